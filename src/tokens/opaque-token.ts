import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;

/**
 * A token a client holds and the server only checks: 256 random bits, base64url, of which only
 * the SHA-256 hash is stored (a database dump yields nothing usable). Refresh tokens, mailed
 * verification and reset tokens and MFA tokens are all made here.
 */
export function newOpaqueToken(prefix: Buffer = Buffer.alloc(0)): { token: string; hash: string } {
  const token = Buffer.concat([prefix, randomBytes(TOKEN_BYTES)]).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}

/** The stored form of a token: its SHA-256, hex. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` hashes to `storedHash`, compared in constant time. */
export function matchesHash(token: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashOpaqueToken(token), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
