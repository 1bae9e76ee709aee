import type TestAgent from 'supertest/lib/agent';
import {
  newSession,
  SignedIn,
  signIn,
  signUp,
  uniqueUsername,
  clearsCookie,
  cookiesNamed,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectFieldError,
  expectSuccess,
  listRefreshTokens,
  meStatus,
  RefreshTokenItem,
} from './rest-helpers';

const ADMIN = { username: 'root.admin', password: 'admin password 123' };

const refreshStatus = async (http: TestAgent, cookie: string): Promise<number> =>
  (await http.post('/auth/refresh-token').set('Cookie', cookie)).status;

/** Signs in and names the token that sign-in created in the user's listing. */
async function signInTracked(http: TestAgent, username: string) {
  const session = await signIn(http, username);
  const tokens = await listRefreshTokens(http, session.userId, session.accessToken);
  // the one just created has the highest id: ObjectIds made by one process grow
  const newest = tokens.reduce((a, b) => (a.id > b.id ? a : b));
  return { ...session, tokenId: newest.id };
}

const byId = (tokens: RefreshTokenItem[], id: string): RefreshTokenItem =>
  tokens.find((token) => token.id === id)!;

describe('POST /auth/revoke-token and POST /auth/logout', () => {
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    t = await createTestApp({
      SESSION_CHECK_CACHE_SECONDS: '0',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    admin = await signIn(t.http, ADMIN.username, ADMIN.password);
  });
  afterAll(() => t.close());

  const revoke = (accessToken: string | undefined, body: object = {}, cookie?: string) => {
    let req = t.http.post('/auth/revoke-token');
    if (accessToken !== undefined) req = req.set('Authorization', bearer(accessToken));
    if (cookie !== undefined) req = req.set('Cookie', cookie);
    return req.send(body);
  };

  describe('revoke-token', () => {
    it('revokes the body token when both body and cookie carry one (the body wins)', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const a = await signInTracked(t.http, username);
      const b = await signInTracked(t.http, username);

      const res = await revoke(a.accessToken, { token: b.refreshToken }, a.cookie);
      expect(expectSuccess(res)).toBe(true);
      // the cookie's token lives on, so the cookie is not cleared
      expect(clearsCookie(res)).toBe(false);

      const tokens = await listRefreshTokens(t.http, a.userId, a.accessToken);
      expect(byId(tokens, b.tokenId)).toMatchObject({
        isActive: false,
        revokedReason: 'revoked',
        revokedByIp: expect.any(String),
        replacedBy: null,
      });
      expect(byId(tokens, b.tokenId).revokedAt).not.toBeNull();
      expect(byId(tokens, a.tokenId)).toMatchObject({ isActive: true, revokedReason: null });
      expect(await refreshStatus(t.http, b.cookie)).toBe(401);
      expect(await refreshStatus(t.http, a.cookie)).toBe(200);
    });

    it('revokes the cookie token when the body has none, and clears the cookie', async () => {
      const session = await newSession(t.http);
      const res = await revoke(session.accessToken, {}, session.cookie);
      expect(expectSuccess(res)).toBe(true);
      expect(clearsCookie(res)).toBe(true);
      expectError(
        await t.http.post('/auth/refresh-token').set('Cookie', session.cookie),
        401,
        'INVALID_REFRESH_TOKEN',
      );
    });

    it('takes a null body token as none, as documented: the cookie is revoked', async () => {
      const session = await newSession(t.http);
      expect(
        expectSuccess(await revoke(session.accessToken, { token: null }, session.cookie)),
      ).toBe(true);
      expect(await refreshStatus(t.http, session.cookie)).toBe(401);
      const other = await newSession(t.http);
      expectError(await revoke(other.accessToken, { token: null }), 400, 'TOKEN_REQUIRED');
    });

    it('answers 400 TOKEN_REQUIRED with neither body token nor cookie', async () => {
      const session = await newSession(t.http);
      const error = expectError(await revoke(session.accessToken), 400, 'TOKEN_REQUIRED');
      expect(error.details).toEqual([]);
      expectError(await revoke(session.accessToken, {}, 'other=1'), 400, 'TOKEN_REQUIRED');
      // nothing was revoked
      expect(await refreshStatus(t.http, session.cookie)).toBe(200);
    });

    it('answers 400 INVALID_TOKEN for an unknown token', async () => {
      const session = await newSession(t.http);
      expectError(
        await revoke(session.accessToken, { token: 'B'.repeat(43) }),
        400,
        'INVALID_TOKEN',
      );
      expectError(
        await revoke(session.accessToken, {}, 'refreshToken=unknown-token'),
        400,
        'INVALID_TOKEN',
      );
    });

    it('answers 400 INVALID_TOKEN for a token already revoked or rotated', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const a = await signIn(t.http, username);
      const b = await signIn(t.http, username);
      expectSuccess(await revoke(a.accessToken, { token: b.refreshToken }));
      expectError(await revoke(a.accessToken, { token: b.refreshToken }), 400, 'INVALID_TOKEN');

      await t.http.post('/auth/refresh-token').set('Cookie', a.cookie).expect(200);
      expectError(await revoke(a.accessToken, { token: a.refreshToken }), 400, 'INVALID_TOKEN');
    });

    it("answers 403 FORBIDDEN for another user's token and leaves it alone", async () => {
      const owner = await newSession(t.http);
      const intruder = await newSession(t.http);
      const error = expectError(
        await revoke(intruder.accessToken, { token: owner.refreshToken }),
        403,
        'FORBIDDEN',
      );
      expect(error.details).toEqual([]);
      const tokens = await listRefreshTokens(t.http, owner.userId, owner.accessToken);
      expect(tokens.every((token) => token.isActive)).toBe(true);
      expect(await meStatus(t.http, owner.accessToken)).toBe(200);
    });

    it("lets an admin revoke anyone's token, ending that session", async () => {
      const victim = await newSession(t.http);
      expect(expectSuccess(await revoke(admin.accessToken, { token: victim.refreshToken }))).toBe(
        true,
      );
      const tokens = await listRefreshTokens(t.http, victim.userId, admin.accessToken);
      expect(tokens).toHaveLength(1);
      expect(tokens[0]).toMatchObject({ isActive: false, revokedReason: 'revoked' });
      expectError(
        await t.http.get('/auth/me').set('Authorization', bearer(victim.accessToken)),
        401,
        'UNAUTHORIZED',
      );
      expect(await meStatus(t.http, admin.accessToken)).toBe(200);
    });

    it('answers 401 UNAUTHORIZED without an access token, even with the cookie', async () => {
      const session = await newSession(t.http);
      expectError(await revoke(undefined, { token: session.refreshToken }), 401, 'UNAUTHORIZED');
      expectError(await revoke(undefined, {}, session.cookie), 401, 'UNAUTHORIZED');
      expect(await refreshStatus(t.http, session.cookie)).toBe(200);
    });

    it.each([
      ['a numeric token', { token: 12345 }, 'token'],
      ['an operator as token', { token: { $ne: null } }, 'token'],
      ['an unknown field', { token: 'abc', all: true }, 'all'],
    ])('answers %s with 400 VALIDATION_ERROR', async (_what, body, field) => {
      const session = await newSession(t.http);
      expectFieldError(await revoke(session.accessToken, body), field);
      expect(await refreshStatus(t.http, session.cookie)).toBe(200);
    });
  });

  describe('sessions end for real', () => {
    it('refuses the access tokens of a session once revoke-token revoked its every token', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const session = await signIn(t.http, username);
      const other = await signIn(t.http, username);
      // rotate once: the session now has a rotated token and one active token
      const rotated = await t.http.post('/auth/refresh-token').set('Cookie', session.cookie);
      const next = cookiesNamed(rotated)[0].value;
      const rotatedAccessToken = expectSuccess<{ accessToken: string }>(rotated).accessToken;
      expect(await meStatus(t.http, session.accessToken)).toBe(200);

      expectSuccess(await revoke(other.accessToken, { token: next }));
      for (const accessToken of [session.accessToken, rotatedAccessToken]) {
        expectError(
          await t.http.get('/auth/me').set('Authorization', bearer(accessToken)),
          401,
          'UNAUTHORIZED',
        );
      }
      expect(await meStatus(t.http, other.accessToken)).toBe(200);
    });
  });

  describe('logout', () => {
    it('revokes every active token of the current session with the cookie, and clears it', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const session = await signInTracked(t.http, username);
      const other = await signInTracked(t.http, username);
      const rotated = await t.http.post('/auth/refresh-token').set('Cookie', session.cookie);
      const liveCookie = `refreshToken=${cookiesNamed(rotated)[0].value}`;

      const res = await t.http
        .post('/auth/logout')
        .set('Authorization', bearer(session.accessToken))
        .set('Cookie', liveCookie);
      expect(expectSuccess(res)).toBe(true);
      expect(clearsCookie(res)).toBe(true);

      const tokens = await listRefreshTokens(t.http, other.userId, other.accessToken);
      expect(tokens).toHaveLength(3);
      expect(byId(tokens, session.tokenId)).toMatchObject({ revokedReason: 'rotated' });
      const successor = byId(tokens, byId(tokens, session.tokenId).replacedBy!);
      expect(successor).toMatchObject({ isActive: false, revokedReason: 'logout' });
      expect(successor.revokedAt).not.toBeNull();
      expect(byId(tokens, other.tokenId)).toMatchObject({ isActive: true, revokedReason: null });

      expectError(
        await t.http.get('/auth/me').set('Authorization', bearer(session.accessToken)),
        401,
        'UNAUTHORIZED',
      );
      expectError(
        await t.http.post('/auth/refresh-token').set('Cookie', liveCookie),
        401,
        'INVALID_REFRESH_TOKEN',
      );
      expect(await meStatus(t.http, other.accessToken)).toBe(200);
      expect(await refreshStatus(t.http, other.cookie)).toBe(200);
    });

    it('ends the session without the cookie too', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const session = await signInTracked(t.http, username);
      const other = await signInTracked(t.http, username);

      const res = await t.http
        .post('/auth/logout')
        .set('Authorization', bearer(session.accessToken));
      expect(expectSuccess(res)).toBe(true);
      expect(clearsCookie(res)).toBe(true);

      const tokens = await listRefreshTokens(t.http, other.userId, other.accessToken);
      expect(byId(tokens, session.tokenId)).toMatchObject({
        isActive: false,
        revokedReason: 'logout',
        revokedByIp: expect.any(String),
      });
      expect(byId(tokens, other.tokenId).isActive).toBe(true);
      expect(await meStatus(t.http, session.accessToken)).toBe(401);
      expect(await refreshStatus(t.http, session.cookie)).toBe(401);
      // a second logout with the ended session's token is refused
      expectError(
        await t.http.post('/auth/logout').set('Authorization', bearer(session.accessToken)),
        401,
        'UNAUTHORIZED',
      );
    });

    it('answers 401 UNAUTHORIZED without an access token, even with the cookie', async () => {
      const session = await newSession(t.http);
      const res = await t.http.post('/auth/logout').set('Cookie', session.cookie);
      expectError(res, 401, 'UNAUTHORIZED');
      expect(await refreshStatus(t.http, session.cookie)).toBe(200);
    });
  });
});
