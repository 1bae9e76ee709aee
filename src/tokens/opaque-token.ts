import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';

const VERIFIER_BYTES = 32;
const SELECTOR_BYTES = 12;

/**
 * A token a client holds and the server only checks: 256 random bits, base64url, of which only
 * the SHA-256 hash is stored (a database dump yields nothing usable). Mailed verification and
 * reset tokens are made here, refresh tokens and mfaTokens by {@link newSplitToken}.
 */
export function newOpaqueToken(): { token: string; hash: string } {
  return tokenOf(Buffer.alloc(0));
}

/**
 * A split token: the 12-byte `_id` of the document that stores it (the selector, so a presented
 * token is found by primary key on every backend), then the 256-bit verifier. Only the hash of
 * the whole token is stored.
 */
export function newSplitToken(selector: Types.ObjectId): { token: string; hash: string } {
  return tokenOf(Buffer.from(selector.id));
}

/** The `_id` a split token was issued under; undefined for anything this service did not issue. */
export function selectorOf(token: string): Types.ObjectId | undefined {
  const bytes = Buffer.from(token, 'base64url');
  return bytes.length === SELECTOR_BYTES + VERIFIER_BYTES
    ? new Types.ObjectId(bytes.subarray(0, SELECTOR_BYTES))
    : undefined;
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

function tokenOf(prefix: Buffer): { token: string; hash: string } {
  const token = Buffer.concat([prefix, randomBytes(VERIFIER_BYTES)]).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}
