import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { decode, verify } from 'jsonwebtoken';
import { Role } from '../common/auth-user';
import { AppConfig } from '../config/app-config';
import { JwtAlgorithm, JwtKeySettings, loadJwtKeys } from '../config/jwt-keys';
import { Types } from 'mongoose';
import {
  hashOpaqueToken,
  matchesHash,
  newOpaqueToken,
  newSplitToken,
  selectorOf,
  TokenService,
} from './token.service';

const SECRET = 'unit-test-secret-that-is-long-enough-42';
const pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
const publicPem = (privatePem: string) =>
  createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }).toString();

function serviceFor(algorithm: JwtAlgorithm, settings: Partial<JwtKeySettings> = {}) {
  const keys = loadJwtKeys({
    algorithm,
    isProduction: false,
    dataDir: '/nonexistent',
    privateKey: algorithm === 'ES256' ? pem() : undefined,
    previousPublicKeys: undefined,
    secret: algorithm === 'HS256' ? SECRET : undefined,
    ...settings,
  });
  const config = {
    jwt: { keys, accessTtlSeconds: 900, issuer: 'iss-test', audience: 'aud-test' },
  } as AppConfig;
  return { tokens: new TokenService(new JwtService(), config), keys };
}

/** A token with this header and claims, HMAC-signed with raw `secret` bytes (for forgeries). */
function hmacToken(header: object, claims: object, secret: Buffer | string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe(TokenService.name, () => {
  const { tokens, keys } = serviceFor('ES256');
  const claims = {
    sub: '665f1c2b9d3e4a0012ab34cd',
    username: 'ada',
    role: Role.USER,
    sid: 'session-1',
    fresh: true,
    amr: ['pwd'],
  };

  it('signs ES256 access tokens with typ at+jwt, the signing key id and every contract claim', () => {
    const { accessToken, expiresIn } = tokens.signAccessToken(claims);
    const decoded = decode(accessToken, { complete: true })!;
    expect(decoded.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: keys.signingKeyId });
    const payload = verify(accessToken, tokens.verificationKey(accessToken)!, {
      algorithms: ['ES256'],
      issuer: 'iss-test',
      audience: 'aud-test',
    }) as Record<string, unknown>;
    expect(payload).toMatchObject({ ...claims, iss: 'iss-test', aud: 'aud-test' });
    expect(typeof payload.jti).toBe('string');
    expect(expiresIn).toBe(900);
    expect((payload.exp as number) - (payload.iat as number)).toBe(expiresIn);
    expect(tokens.verifyOptions).toEqual({
      algorithms: ['ES256'],
      issuer: 'iss-test',
      audience: 'aud-test',
    });
  });

  it('finds the verification key by kid, and none for another algorithm or an unknown kid', () => {
    const { accessToken } = tokens.signAccessToken(claims);
    const [, body] = accessToken.split('.');
    const header = decode(accessToken, { complete: true })!.header;
    const withHeader = (changes: object) =>
      `${Buffer.from(JSON.stringify({ ...header, ...changes })).toString('base64url')}.${body}.x`;
    expect(tokens.verificationKey(accessToken)?.type).toBe('public');
    expect(tokens.verificationKey(withHeader({ kid: 'unknown' }))).toBeUndefined();
    expect(tokens.verificationKey(withHeader({ kid: undefined }))).toBeUndefined();
    expect(tokens.verificationKey(withHeader({ kid: [header.kid] }))).toBeUndefined();
    for (const alg of ['HS256', 'ES384', 'RS256', 'none', 'es256']) {
      expect(tokens.verificationKey(withHeader({ alg }))).toBeUndefined();
    }
    expect(tokens.verificationKey('not a token')).toBeUndefined();
    expect(tokens.verificationKey('bnVsbA.e30.x')).toBeUndefined();
  });

  it('gives an HS256 token made with the public key as its secret no key at all', () => {
    const publicKey = tokens.verificationKey(tokens.signAccessToken(claims).accessToken)!;
    for (const secret of [
      publicKey.export({ format: 'pem', type: 'spki' }),
      JSON.stringify(publicKey.export({ format: 'jwk' })),
    ]) {
      const forged = hmacToken(
        { alg: 'HS256', typ: 'at+jwt', kid: keys.signingKeyId },
        claims,
        secret,
      );
      expect(tokens.verificationKey(forged)).toBeUndefined();
    }
  });

  it('verifies tokens of a previous key by its kid and signs with the current one', () => {
    const oldPem = pem();
    const before = serviceFor('ES256', { privateKey: oldPem });
    const after = serviceFor('ES256', { previousPublicKeys: publicPem(oldPem) });
    const old = before.tokens.signAccessToken(claims).accessToken;
    expect(after.tokens.verificationKey(old)?.export({ format: 'jwk' })).toEqual(
      before.tokens.verificationKey(old)?.export({ format: 'jwk' }),
    );
    const next = after.tokens.signAccessToken(claims).accessToken;
    expect(decode(next, { complete: true })!.header.kid).toBe(after.keys.signingKeyId);
    expect(after.keys.signingKeyId).not.toBe(before.keys.signingKeyId);
    expect(after.tokens.publicKeySet().keys.map((jwk) => jwk.kid)).toEqual([
      after.keys.signingKeyId,
      before.keys.signingKeyId,
    ]);
  });

  it('signs HS256 tokens without a kid when JWT_ALGORITHM=HS256, and refuses a kid there', () => {
    const hs = serviceFor('HS256').tokens;
    const { accessToken } = hs.signAccessToken(claims);
    expect(decode(accessToken, { complete: true })!.header).toEqual({
      alg: 'HS256',
      typ: 'at+jwt',
    });
    expect(verify(accessToken, SECRET, { algorithms: ['HS256'] })).toMatchObject(claims);
    expect(hs.verificationKey(accessToken)?.type).toBe('secret');
    expect(hs.verificationKey(tokens.signAccessToken(claims).accessToken)).toBeUndefined();
    expect(
      hs.verificationKey(hmacToken({ alg: 'HS256', typ: 'at+jwt', kid: 'k' }, claims, SECRET)),
    ).toBeUndefined();
    expect(hs.publicKeySet()).toEqual({ keys: [] });
  });

  it('lets JWKS clients cache the key set for a third of the access-token lifetime, at most 5 minutes', () => {
    expect(tokens.publicKeySetMaxAgeSeconds).toBe(300);
    const short = new TokenService(new JwtService(), {
      jwt: { keys, accessTtlSeconds: 60, issuer: 'i', audience: 'a' },
    } as AppConfig);
    expect(short.publicKeySetMaxAgeSeconds).toBe(20);
  });

  it('gives every access token its own jti', () => {
    const first = decode(tokens.signAccessToken(claims).accessToken) as Record<string, unknown>;
    const second = decode(tokens.signAccessToken(claims).accessToken) as Record<string, unknown>;
    expect(first.jti).not.toBe(second.jti);
  });
});

describe('opaque tokens', () => {
  it('are 256 random bits, base64url, stored only as their SHA-256', () => {
    const { token, hash } = newOpaqueToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashOpaqueToken(token));
    expect(newOpaqueToken().token).not.toBe(token);
    expect(matchesHash(token, hash)).toBe(true);
    expect(matchesHash(newOpaqueToken().token, hash)).toBe(false);
    expect(matchesHash(token, 'not hex')).toBe(false);
  });

  it('carry their selector when split, and only tokens of that shape have one', () => {
    const id = new Types.ObjectId();
    const { token, hash } = newSplitToken(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{59}$/);
    expect(selectorOf(token)).toEqual(id);
    expect(hash).toBe(hashOpaqueToken(token));
    expect(selectorOf(newOpaqueToken().token)).toBeUndefined();
    expect(selectorOf('')).toBeUndefined();
    expect(selectorOf('not a token at all')).toBeUndefined();
  });
});
