import { JwtService } from '@nestjs/jwt';
import { decode, verify } from 'jsonwebtoken';
import { Types } from 'mongoose';
import { Role } from '../common/auth-user';
import { AppConfig } from '../config/app-config';
import { TokenService } from './token.service';

const SECRET = 'unit-test-secret-that-is-long-enough-42';
const config = {
  jwt: { secret: SECRET, accessTtlSeconds: 900, issuer: 'iss-test', audience: 'aud-test' },
} as AppConfig;

describe(TokenService.name, () => {
  const tokens = new TokenService(new JwtService({ secret: SECRET }), config);
  const claims = {
    sub: '665f1c2b9d3e4a0012ab34cd',
    username: 'ada',
    role: Role.USER,
    sid: 'session-1',
    fresh: true,
  };

  it('signs access tokens with a pinned algorithm, typ at+jwt and every contract claim', () => {
    const { accessToken, expiresIn } = tokens.signAccessToken(claims);
    const decoded = decode(accessToken, { complete: true })!;
    expect(decoded.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const payload = verify(accessToken, SECRET, {
      algorithms: ['HS256'],
      issuer: 'iss-test',
      audience: 'aud-test',
    }) as Record<string, unknown>;
    expect(payload).toMatchObject({ ...claims, iss: 'iss-test', aud: 'aud-test' });
    expect(typeof payload.jti).toBe('string');
    expect(expiresIn).toBe(900);
    expect((payload.exp as number) - (payload.iat as number)).toBe(expiresIn);
  });

  it('gives every access token its own jti', () => {
    const first = decode(tokens.signAccessToken(claims).accessToken) as Record<string, unknown>;
    const second = decode(tokens.signAccessToken(claims).accessToken) as Record<string, unknown>;
    expect(first.jti).not.toBe(second.jti);
  });

  it('makes opaque refresh tokens: the storing document id, then 256 random bits, base64url, stored only as SHA-256', () => {
    const id = new Types.ObjectId();
    const { token, tokenHash } = tokens.generateRefreshToken(id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{59}$/);
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes).toHaveLength(12 + 32);
    expect(tokens.refreshTokenId(token)).toEqual(id);
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens.hashRefreshToken(token)).toBe(tokenHash);
    expect(tokens.generateRefreshToken(id).token).not.toBe(token);
  });

  it('finds no id in tokens it did not issue', () => {
    expect(tokens.refreshTokenId('')).toBeUndefined();
    expect(tokens.refreshTokenId('x'.repeat(43))).toBeUndefined();
    expect(tokens.refreshTokenId('not a token at all')).toBeUndefined();
  });
});
