import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import {
  newSession,
  PASSWORD,
  SignedIn,
  signIn,
  uniqueUsername,
  cookiesNamed,
  decodeAccessToken,
  refresh,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectSuccess,
  listRefreshTokens,
  meStatus,
  sleep,
} from './rest-helpers';

interface AuthPayloadBody {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; username: string };
}

/** The `refreshToken=…` pair a rotation set, or undefined when it set none. */
function rotatedCookie(res: Response): string | undefined {
  const cookies = cookiesNamed(res);
  expect(cookies.length).toBeLessThanOrEqual(1);
  return cookies.length === 1 ? `refreshToken=${cookies[0].value}` : undefined;
}

/** Refreshes and expects a rotation: 200 with a new cookie. Returns the access token and cookie. */
async function rotate(http: TestAgent, cookie: string) {
  const res = await refresh(http, cookie);
  const payload = expectSuccess<AuthPayloadBody>(res);
  const next = rotatedCookie(res);
  expect(next).toBeDefined();
  expect(next).not.toBe(cookie);
  return { accessToken: payload.accessToken, cookie: next! };
}

/**
 * Every token of the ended session revoked (its live token as reuse-detected, its ancestors
 * keeping `rotated`), its access tokens and cookies refused; `other` session untouched.
 */
async function expectSessionEndedByReuse(
  t: TestApp,
  accessTokens: string[],
  cookies: string[],
  other: SignedIn,
): Promise<void> {
  for (const accessToken of accessTokens) {
    expectError(
      await t.http.get('/auth/me').set('Authorization', bearer(accessToken)),
      401,
      'UNAUTHORIZED',
    );
  }
  for (const cookie of cookies) expect((await refresh(t.http, cookie)).status).toBe(401);

  const tokens = await listRefreshTokens(t.http, other.userId, other.accessToken);
  expect(tokens).toHaveLength(cookies.length + 1);
  // the other session never refreshed: its one token is the only active one
  expect(tokens.filter((token) => token.isActive)).toHaveLength(1);
  const ended = tokens.filter((token) => !token.isActive);
  expect(ended.every((token) => token.revokedAt !== null && !token.isExpired)).toBe(true);
  expect(ended.map((token) => token.revokedReason).sort()).toEqual([
    'reuse-detected',
    ...Array<string>(cookies.length - 1).fill('rotated'),
  ]);
  expect(await meStatus(t.http, other.accessToken)).toBe(200);
}

describe('POST /auth/refresh-token', () => {
  let t: TestApp;
  beforeAll(async () => {
    // SESSION_CHECK_CACHE_SECONDS=0: an ended session refuses its access tokens at once
    t = await createTestApp({ SESSION_CHECK_CACHE_SECONDS: '0' });
  });
  afterAll(() => t.close());

  const tokensOf = (session: SignedIn, accessToken = session.accessToken) =>
    listRefreshTokens(t.http, session.userId, accessToken);

  describe('refused with 401 INVALID_REFRESH_TOKEN', () => {
    it('without a cookie', async () => {
      expectError(await refresh(t.http), 401, 'INVALID_REFRESH_TOKEN');
    });

    it.each([
      ['an unknown token', 'refreshToken=' + 'A'.repeat(43)],
      ['an empty cookie', 'refreshToken='],
      ['the token under another cookie name', 'other=whatever'],
    ])('with %s', async (_what, cookie) => {
      expectError(await refresh(t.http, cookie), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('with an access token instead of a refresh token', async () => {
      const session = await newSession(t.http);
      const res = await refresh(t.http, `refreshToken=${session.accessToken}`);
      expectError(res, 401, 'INVALID_REFRESH_TOKEN');
    });

    it('with a token revoked by revoke-token', async () => {
      const session = await newSession(t.http);
      await t.http
        .post('/auth/revoke-token')
        .set('Authorization', bearer(session.accessToken))
        .send({ token: session.refreshToken })
        .expect(200);
      expectError(await refresh(t.http, session.cookie), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('with a token revoked by logout', async () => {
      const session = await newSession(t.http);
      await t.http
        .post('/auth/logout')
        .set('Authorization', bearer(session.accessToken))
        .expect(200);
      expectError(await refresh(t.http, session.cookie), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('and sets no cookie', async () => {
      const res = await refresh(t.http, 'refreshToken=unknown');
      expect(cookiesNamed(res).filter((cookie) => cookie.value !== '')).toEqual([]);
    });
  });

  it('rotates: new cookie, old token rotated and replaced by the new one, same session, fresh=false', async () => {
    const session = await newSession(t.http);
    const [original] = await tokensOf(session);
    const res = await refresh(t.http, session.cookie).set('User-Agent', 'rotation-agent/1.0');
    const payload = expectSuccess<AuthPayloadBody>(res);
    expect(payload).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: t.config.jwt.accessTtlSeconds,
      user: expect.objectContaining({ id: session.userId, username: session.username }),
    });

    const cookie = cookiesNamed(res)[0];
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(cookie.value).not.toBe(session.refreshToken);
    expect(JSON.stringify(res.body)).not.toContain(cookie.value);
    expect(cookie.attributes).toHaveProperty('httponly');
    expect(cookie.attributes.samesite).toBe('Strict');
    expect(cookie.attributes.path).toBe('/');
    expect(cookie.attributes['max-age']).toBe(String(t.config.refresh.ttlSeconds));

    const before = decodeAccessToken(session.accessToken).payload;
    const after = decodeAccessToken(payload.accessToken);
    expect(after.header).toEqual(expect.objectContaining({ alg: 'ES256', typ: 'at+jwt' }));
    expect(after.payload).toEqual(
      expect.objectContaining({
        sub: session.userId,
        username: session.username,
        role: 'user',
        sid: before.sid,
        fresh: false,
      }),
    );
    expect(after.payload.jti).not.toBe(before.jti);
    expect(payload.expiresIn).toBe(after.payload.exp - after.payload.iat);

    const tokens = await tokensOf(session, payload.accessToken);
    expect(tokens).toHaveLength(2);
    const old = tokens.find((token) => token.id === original.id)!;
    const successor = tokens.find((token) => token.id !== original.id)!;
    expect(old).toMatchObject({
      revokedReason: 'rotated',
      replacedBy: successor.id,
      isActive: false,
      isExpired: false,
      revokedByIp: expect.any(String),
    });
    expect(old.revokedAt).not.toBeNull();
    expect(successor).toMatchObject({
      isActive: true,
      revokedAt: null,
      revokedReason: null,
      replacedBy: null,
      userAgent: 'rotation-agent/1.0',
    });

    // both access tokens of the session stay valid, and the new cookie rotates again
    expect(await meStatus(t.http, session.accessToken)).toBe(200);
    expect(await meStatus(t.http, payload.accessToken)).toBe(200);
    const third = await rotate(t.http, `refreshToken=${cookie.value}`);
    expect(decodeAccessToken(third.accessToken).payload.sid).toBe(before.sid);
  });

  it('20 concurrent refreshes with one token: all 200, one Set-Cookie, one active token after', async () => {
    const session = await newSession(t.http);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => refresh(t.http, session.cookie)),
    );
    const sid = decodeAccessToken(session.accessToken).payload.sid;
    for (const res of responses) {
      const payload = expectSuccess<AuthPayloadBody>(res);
      expect(decodeAccessToken(payload.accessToken).payload).toMatchObject({ sid, fresh: false });
    }
    const winners = responses
      .map(rotatedCookie)
      .filter((cookie): cookie is string => cookie !== undefined);
    expect(winners).toHaveLength(1);

    const tokens = await tokensOf(session);
    expect(tokens).toHaveLength(2);
    const active = tokens.filter((token) => token.isActive);
    expect(active).toHaveLength(1);
    const parent = tokens.find((token) => !token.isActive)!;
    expect(parent).toMatchObject({ revokedReason: 'rotated', replacedBy: active[0].id });

    // the winner's cookie is the session's live token
    const next = await rotate(t.http, winners[0]);
    expect(decodeAccessToken(next.accessToken).payload.sid).toBe(sid);
  });

  it('answers a replay of the parent inside the grace window with 200 and no Set-Cookie', async () => {
    const session = await newSession(t.http);
    const child = await rotate(t.http, session.cookie);
    const replay = await refresh(t.http, session.cookie);
    const payload = expectSuccess<AuthPayloadBody>(replay);
    expect(rotatedCookie(replay)).toBeUndefined();
    expect(decodeAccessToken(payload.accessToken).payload).toMatchObject({
      sid: decodeAccessToken(session.accessToken).payload.sid,
      fresh: false,
    });
    expect(await meStatus(t.http, payload.accessToken)).toBe(200);

    // nothing new was issued and the child is still the live token
    const tokens = await tokensOf(session);
    expect(tokens).toHaveLength(2);
    expect(tokens.filter((token) => token.isActive)).toHaveLength(1);
    await rotate(t.http, child.cookie);
  });

  it('treats a replay of an older ancestor as theft, even inside the grace window', async () => {
    const session = await newSession(t.http);
    const other = await signIn(t.http, session.username);
    const child = await rotate(t.http, session.cookie);
    const grandchild = await rotate(t.http, child.cookie);

    const error = expectError(await refresh(t.http, session.cookie), 401, 'REFRESH_TOKEN_REUSED');
    expect(error.details).toEqual([]);
    await expectSessionEndedByReuse(
      t,
      [session.accessToken, child.accessToken, grandchild.accessToken],
      [session.cookie, child.cookie, grandchild.cookie],
      other,
    );
  });
});

describe('POST /auth/refresh-token after the grace window (REFRESH_REUSE_GRACE_SECONDS=1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ REFRESH_REUSE_GRACE_SECONDS: '1', SESSION_CHECK_CACHE_SECONDS: '0' });
  });
  afterAll(() => t.close());

  it('answers the parent inside the window, then treats it as theft and ends the session', async () => {
    const username = uniqueUsername();
    await t.http.post('/auth/sign-up').send({ username, password: PASSWORD }).expect(201);
    const session = await signIn(t.http, username);
    const other = await signIn(t.http, username);
    const child = await rotate(t.http, session.cookie);

    const inside = await refresh(t.http, session.cookie);
    expectSuccess(inside);
    expect(rotatedCookie(inside)).toBeUndefined();

    await sleep(1500);
    const after = await refresh(t.http, session.cookie);
    expectError(after, 401, 'REFRESH_TOKEN_REUSED');

    await expectSessionEndedByReuse(
      t,
      [session.accessToken, child.accessToken, inside.body.data.accessToken as string],
      [session.cookie, child.cookie],
      other,
    );
  });
});

describe('expired refresh tokens (REFRESH_TOKEN_TTL=1s)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ REFRESH_TOKEN_TTL: '1s' });
  });
  afterAll(() => t.close());

  it('refuses an expired token on refresh (401) and on revoke-token (400 INVALID_TOKEN)', async () => {
    const session = await newSession(t.http);
    await sleep(1200);
    expectError(await refresh(t.http, session.cookie), 401, 'INVALID_REFRESH_TOKEN');
    // a new session of the same user, to look at the expired token
    const again = await signIn(t.http, session.username);
    const tokens = await listRefreshTokens(t.http, again.userId, again.accessToken);
    const expired = tokens.find((token) => token.isExpired)!;
    expect(expired).toMatchObject({ isExpired: true, isActive: false, revokedAt: null });
    expectError(
      await t.http
        .post('/auth/revoke-token')
        .set('Authorization', bearer(again.accessToken))
        .send({ token: session.refreshToken }),
      400,
      'INVALID_TOKEN',
    );
  });
});
