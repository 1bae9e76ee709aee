import { createHash, createPublicKey } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import jwt from 'jsonwebtoken';
import { Connection, Types } from 'mongoose';
import type { Response } from 'supertest';
import {
  PASSWORD,
  signIn as signInAs,
  signUp,
  uniqueUsername,
  ParsedCookie,
  cookiesNamed,
  decodeAccessToken,
  setCookies,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectFieldError,
  expectSuccess,
  listRefreshTokens,
} from './rest-helpers';

interface AuthPayloadBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; username: string; role: string; createdAt: string; updatedAt: string };
}

/** The single refresh cookie a sign-in or rotation sets. */
function theRefreshCookie(res: Response, name = 'refreshToken'): ParsedCookie {
  const cookies = cookiesNamed(res, name);
  expect(cookies).toHaveLength(1);
  return cookies[0];
}

/** What two error answers have in common once the per-request fields are set aside. */
function withoutRequestFields(res: Response): unknown {
  const rest = { ...(res.body as Record<string, unknown>) };
  delete rest.timestamp;
  delete rest.requestId;
  return { status: res.status, body: rest };
}

describe('POST /auth/sign-in', () => {
  let t: TestApp;
  let username: string;
  let userId: string;
  beforeAll(async () => {
    t = await createTestApp();
    username = uniqueUsername('Signer');
    userId = await signUp(t.http, username);
  });
  afterAll(() => t.close());

  const signIn = (body: unknown) => t.http.post('/auth/sign-in').send(body as object);

  it('answers 200 with an AuthPayload', async () => {
    const res = await signIn({ username, password: PASSWORD });
    const payload = expectSuccess<AuthPayloadBody>(res);
    expect(payload).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: t.config.jwt.accessTtlSeconds,
      user: expect.objectContaining({ id: userId, username, role: 'user' }),
    });
    expect(Number.isInteger(payload.expiresIn)).toBe(true);
    const { payload: claims } = decodeAccessToken(payload.accessToken);
    expect(payload.expiresIn).toBe(claims.exp - claims.iat);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(JSON.stringify(res.body)).not.toMatch(/\$2[aby]\$/);
    // the refresh token lives only in the HttpOnly cookie, out of reach of page scripts
    expect(JSON.stringify(res.body)).not.toContain(theRefreshCookie(res).value);
  });

  it('issues an ES256 at+jwt access token naming its key, with every contract claim', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await signIn({ username, password: PASSWORD });
    const { accessToken } = expectSuccess<AuthPayloadBody>(res);
    const { header, payload } = decodeAccessToken(accessToken);
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: t.config.jwt.keys.signingKeyId });
    expect(payload).toEqual(
      expect.objectContaining({
        sub: userId,
        username,
        role: 'user',
        sid: expect.any(String),
        fresh: true,
        iat: expect.any(Number),
        exp: expect.any(Number),
        iss: t.config.jwt.issuer,
        aud: t.config.jwt.audience,
        jti: expect.any(String),
      }),
    );
    expect(payload.sid.length).toBeGreaterThan(0);
    expect(payload.jti.length).toBeGreaterThan(0);
    expect(payload.iat).toBeGreaterThanOrEqual(before - 1);
    expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    expect(payload.exp - payload.iat).toBe(t.config.jwt.accessTtlSeconds);
    // the signature holds with the configured key's public half and pinned options
    expect(() =>
      jwt.verify(accessToken, createPublicKey(t.config.jwt.keys.signingKey), {
        algorithms: ['ES256'],
        issuer: t.config.jwt.issuer,
        audience: t.config.jwt.audience,
      }),
    ).not.toThrow();
  });

  it('starts a new session, with a new sid and jti, at each sign-in', async () => {
    const [a, b] = await Promise.all([
      signIn({ username, password: PASSWORD }),
      signIn({ username, password: PASSWORD }),
    ]);
    const first = decodeAccessToken(expectSuccess<AuthPayloadBody>(a).accessToken).payload;
    const second = decodeAccessToken(expectSuccess<AuthPayloadBody>(b).accessToken).payload;
    expect(first.sid).not.toBe(second.sid);
    expect(first.jti).not.toBe(second.jti);
    expect(theRefreshCookie(a).value).not.toBe(theRefreshCookie(b).value);
  });

  it('sets the refresh cookie: HttpOnly, SameSite=Strict, not Secure, Path=/, Max-Age = 7d', async () => {
    const res = await signIn({ username, password: PASSWORD });
    const cookie = theRefreshCookie(res);
    // opaque, at least 256 bits in base64url, not a JWT
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(cookie.attributes).toHaveProperty('httponly');
    expect(cookie.attributes.samesite).toBe('Strict');
    expect(cookie.attributes).not.toHaveProperty('secure');
    expect(cookie.attributes.path).toBe('/');
    expect(cookie.attributes['max-age']).toBe(String(7 * 24 * 3600));
    expect(t.config.refresh.ttlSeconds).toBe(7 * 24 * 3600);
    const expires = Date.parse(cookie.attributes.expires);
    expect(Math.abs(expires - (Date.now() + 7 * 24 * 3600 * 1000))).toBeLessThan(60_000);
  });

  it('records the session as one active refresh token', async () => {
    const fresh = uniqueUsername();
    const id = await signUp(t.http, fresh);
    const res = await signIn({ username: fresh, password: PASSWORD });
    const { accessToken } = expectSuccess<AuthPayloadBody>(res);
    const tokens = await listRefreshTokens(t.http, id, accessToken);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ isActive: true, revokedAt: null, revokedReason: null });
  });

  it('stores only a bcrypt hash of cost BCRYPT_COST and a SHA-256 hash of the refresh token', async () => {
    const session = await signInAs(t.http, username);
    const connection = t.app.get<Connection>(getConnectionToken());
    const user = await connection.collection('users').findOne({ _id: new Types.ObjectId(userId) });
    expect(user?.passwordHash).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(user)).not.toContain(PASSWORD);

    const tokens = await connection
      .collection('refresh_tokens')
      .find({ userId: new Types.ObjectId(userId) })
      .toArray();
    const sha256 = createHash('sha256').update(session.refreshToken).digest('hex');
    expect(tokens.map((token): unknown => token.tokenHash)).toContain(sha256);
    expect(JSON.stringify(tokens)).not.toContain(session.refreshToken);
  });

  describe('failures', () => {
    it('answers a wrong password and an unknown user identically: 401 INVALID_CREDENTIALS', async () => {
      const wrongPassword = await signIn({ username, password: 'not the password' });
      const unknownUser = await signIn({ username: uniqueUsername('ghost'), password: PASSWORD });
      const error = expectError(wrongPassword, 401, 'INVALID_CREDENTIALS');
      expectError(unknownUser, 401, 'INVALID_CREDENTIALS');
      expect(error.details).toEqual([]);
      expect(withoutRequestFields(unknownUser)).toEqual(withoutRequestFields(wrongPassword));
      expect(setCookies(wrongPassword)).toEqual([]);
      expect(setCookies(unknownUser)).toEqual([]);
    });

    it('does not sign in with the right password of another user', async () => {
      const other = uniqueUsername();
      await signUp(t.http, other, 'other password');
      expectError(
        await signIn({ username, password: 'other password' }),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    it.each([
      ['username', { username: { $ne: null }, password: PASSWORD }],
      ['username', { username: { $regex: '.*' }, password: PASSWORD }],
      ['password', { username: 'x'.repeat(5), password: { $ne: null } }],
      ['password', { username: 'x'.repeat(5), password: { $exists: true } }],
    ])('refuses a MongoDB operator in %s with 400, not a sign-in', async (field, body) => {
      const res = await signIn(body);
      expectFieldError(res, field);
      expect(setCookies(res)).toEqual([]);
    });

    it('refuses the operator even with a real username', async () => {
      const res = await signIn({ username, password: { $ne: null } });
      expectFieldError(res, 'password');
      expect(setCookies(res)).toEqual([]);
    });

    it.each([
      ['no password', { username: 'someone' }, 'password'],
      ['no username', { password: PASSWORD }, 'username'],
      ['a numeric password', { username: 'someone', password: 12345678 }, 'password'],
      ['an unknown field', { username: 'someone', password: PASSWORD, remember: true }, 'remember'],
    ])('refuses %s with 400 VALIDATION_ERROR', async (_what, body, field) => {
      expectFieldError(await signIn(body), field);
    });

    it('refuses malformed JSON with 400 VALIDATION_ERROR', async () => {
      const res = await t.http
        .post('/auth/sign-in')
        .set('Content-Type', 'application/json')
        .send('{"username":');
      expectError(res, 400, 'VALIDATION_ERROR');
    });
  });
});

describe('POST /auth/sign-in with cookie and token settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      COOKIE_SECURE: 'true',
      COOKIE_SAMESITE: 'lax',
      REFRESH_COOKIE_NAME: 'rt_custom',
      REFRESH_TOKEN_TTL: '2h',
      JWT_ACCESS_TTL: '90s',
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'example-clients',
    });
  });
  afterAll(() => t.close());

  it('sets a Secure cookie under REFRESH_COOKIE_NAME with COOKIE_SAMESITE and the refresh lifetime', async () => {
    const username = uniqueUsername();
    await signUp(t.http, username);
    const res = await t.http.post('/auth/sign-in').send({ username, password: PASSWORD });
    expectSuccess(res);
    expect(cookiesNamed(res, 'refreshToken')).toEqual([]);
    const cookie = theRefreshCookie(res, 'rt_custom');
    expect(cookie.attributes).toHaveProperty('secure');
    expect(cookie.attributes).toHaveProperty('httponly');
    expect(cookie.attributes.samesite).toBe('Lax');
    expect(cookie.attributes.path).toBe('/');
    expect(cookie.attributes['max-age']).toBe('7200');

    // the refresh route reads that cookie name, and only it
    const refreshed = await t.http
      .post('/auth/refresh-token')
      .set('Cookie', `rt_custom=${cookie.value}`);
    expectSuccess(refreshed);
    expect(theRefreshCookie(refreshed, 'rt_custom').attributes['max-age']).toBe('7200');
    expectError(
      await t.http.post('/auth/refresh-token').set('Cookie', `refreshToken=${cookie.value}`),
      401,
      'INVALID_REFRESH_TOKEN',
    );
  });

  it('issues access tokens with JWT_ACCESS_TTL, JWT_ISSUER and JWT_AUDIENCE', async () => {
    const username = uniqueUsername();
    await signUp(t.http, username);
    const res = await t.http.post('/auth/sign-in').send({ username, password: PASSWORD });
    const payload = expectSuccess<AuthPayloadBody>(res);
    expect(payload.expiresIn).toBe(90);
    const claims = decodeAccessToken(payload.accessToken).payload;
    expect(claims.exp - claims.iat).toBe(90);
    expect(claims.iss).toBe('https://issuer.example');
    expect(claims.aud).toBe('example-clients');
    expect(
      (await t.http.get('/auth/me').set('Authorization', bearer(payload.accessToken))).status,
    ).toBe(200);
  });
});
