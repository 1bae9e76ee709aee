import type TestAgent from 'supertest/lib/agent';
import {
  newSession,
  PASSWORD,
  SignedIn,
  signIn,
  uniqueUsername,
  clearsCookie,
  cookiesNamed,
  sidOf,
  refresh as refreshWith,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectSuccess,
  ISO_DATE,
  listRefreshTokens,
  meStatus,
  OBJECT_ID,
  resign,
} from './rest-helpers';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

interface SessionItem {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  ip: string;
  userAgent: string | null;
  device: string | null;
}

async function signInAs(http: TestAgent, username: string, userAgent: string): Promise<SignedIn> {
  const res = await http
    .post('/auth/sign-in')
    .set('User-Agent', userAgent)
    .send({ username, password: PASSWORD })
    .expect(200);
  const cookie = cookiesNamed(res)[0];
  return {
    userId: res.body.data.user.id as string,
    username,
    accessToken: res.body.data.accessToken as string,
    cookie: `refreshToken=${cookie.value}`,
    refreshToken: cookie.value,
  };
}

describe('sessions (REST)', () => {
  let t: TestApp;
  let admin: SignedIn;

  const list = (userId: string, accessToken: string) =>
    t.http.get(`/users/${userId}/sessions`).set('Authorization', bearer(accessToken));
  const revoke = (userId: string, sessionId: string, accessToken: string) =>
    t.http
      .delete(`/users/${userId}/sessions/${sessionId}`)
      .set('Authorization', bearer(accessToken));
  const logout = (session: SignedIn, body?: object) => {
    const req = t.http.post('/auth/logout').set('Authorization', bearer(session.accessToken));
    return body === undefined ? req : req.send(body);
  };
  const refresh = (cookie: string) => refreshWith(t.http, cookie);

  beforeAll(async () => {
    // SESSION_CHECK_CACHE_SECONDS=0: an ended session refuses its access tokens at once
    t = await createTestApp({
      SESSION_CHECK_CACHE_SECONDS: '0',
      ADMIN_USERNAME: 'sessions.admin',
      ADMIN_PASSWORD: PASSWORD,
    });
    admin = await signIn(t.http, 'sessions.admin');
  });
  afterAll(() => t.close());

  describe('GET /users/{id}/sessions', () => {
    it('lists the owner’s active sessions newest first, with `current` on the caller’s only', async () => {
      const username = uniqueUsername('list');
      const first = await newSession(t.http, username);
      const second = await signInAs(t.http, username, CHROME_MAC);
      const third = await signInAs(t.http, username, FIREFOX_WINDOWS);
      await logout(first);

      const sessions = expectSuccess<SessionItem[]>(await list(second.userId, second.accessToken));
      expect(sessions.map((session) => session.id)).toEqual([sidOf(third), sidOf(second)]);
      expect(sessions.map((session) => session.current)).toEqual([false, true]);
      expect(sessions.map((session) => session.device)).toEqual([
        'Firefox 133 on Windows',
        'Chrome 131 on macOS',
      ]);
      for (const session of sessions) {
        expect(session.id).toMatch(OBJECT_ID);
        for (const at of ['createdAt', 'lastUsedAt', 'expiresAt', 'absoluteExpiresAt'] as const)
          expect(session[at]).toMatch(ISO_DATE);
        expect(session.ip).toEqual(expect.any(String));
        expect(Object.keys(session).sort()).toEqual(
          [
            'absoluteExpiresAt',
            'createdAt',
            'current',
            'device',
            'expiresAt',
            'id',
            'ip',
            'lastUsedAt',
            'userAgent',
          ].sort(),
        );
      }
      expect(JSON.stringify(sessions)).not.toContain(second.refreshToken);
    });

    it('moves lastUsedAt and the User-Agent on refresh', async () => {
      const session = await newSession(t.http);
      const res = await refresh(session.cookie).set('User-Agent', CHROME_MAC).expect(200);
      const [listed] = expectSuccess<SessionItem[]>(
        await list(session.userId, res.body.data.accessToken as string),
      );
      expect(listed.device).toBe('Chrome 131 on macOS');
      expect(new Date(listed.lastUsedAt).getTime()).toBeGreaterThan(
        new Date(listed.createdAt).getTime() - 1,
      );
      expect(listed.current).toBe(true);
    });

    it('keeps the first 1,024 characters of a User-Agent with the session, its token and its events', async () => {
      const username = uniqueUsername('longua');
      await newSession(t.http, username);
      const userAgent = `${CHROME_MAC} ${'x'.repeat(5000)}`;
      const session = await signInAs(t.http, username, userAgent);
      const kept = userAgent.slice(0, 1024);
      const sessions = expectSuccess<SessionItem[]>(
        await list(session.userId, session.accessToken),
      );
      expect(sessions.find((item) => item.current)!.userAgent).toBe(kept);
      const tokens = await listRefreshTokens(t.http, session.userId, session.accessToken);
      expect(tokens[0].userAgent).toBe(kept);
      const events = expectSuccess<{ type: string; userAgent: string | null }[]>(
        await t.http
          .get(`/users/${session.userId}/security-events`)
          .set('Authorization', bearer(session.accessToken)),
      );
      expect(events.find((event) => event.type === 'sign-in')!.userAgent).toBe(kept);
    });

    it('is for the owner or an admin: a stranger gets 403, an unknown user 404', async () => {
      const owner = await newSession(t.http);
      const stranger = await newSession(t.http);
      expectError(await list(owner.userId, stranger.accessToken), 403, 'FORBIDDEN');
      const asAdmin = expectSuccess<SessionItem[]>(await list(owner.userId, admin.accessToken));
      expect(asAdmin.map((session) => [session.id, session.current])).toEqual([
        [sidOf(owner), false],
      ]);
      expectError(await list('0'.repeat(24), admin.accessToken), 404, 'NOT_FOUND');
      expectError(await list('nope', admin.accessToken), 400, 'VALIDATION_ERROR');
    });

    it('pages with `limit` and `after` like every list, and refuses anything else', async () => {
      const username = uniqueUsername('paged');
      const owner = await newSession(t.http, username);
      await signIn(t.http, username);
      await signIn(t.http, username);
      const list = (query: string) =>
        t.http
          .get(`/users/${owner.userId}/sessions${query}`)
          .set('Authorization', `Bearer ${owner.accessToken}`);
      const all = expectSuccess<SessionItem[]>(await list(''));
      expect(all).toHaveLength(3);
      const first = expectSuccess<SessionItem[]>(await list('?limit=2'));
      expect(first.map((session) => session.id)).toEqual(all.slice(0, 2).map((s) => s.id));
      const rest = expectSuccess<SessionItem[]>(
        await list(`?limit=2&after=${first[1].id.toUpperCase()}`),
      );
      expect(rest.map((session) => session.id)).toEqual([all[2].id]);
      for (const query of ['?limit=0', '?limit=1001', '?limit=1e1', '?after=zzz', '?other=1']) {
        expectError(await list(query), 400, 'VALIDATION_ERROR');
      }
    });
  });

  describe('DELETE /users/{id}/sessions/{sessionId}', () => {
    it('ends that session like logout: its access and refresh tokens are refused, the caller’s stay', async () => {
      const username = uniqueUsername('revoke');
      const caller = await newSession(t.http, username);
      const other = await signIn(t.http, username);

      const res = await revoke(caller.userId, sidOf(other), caller.accessToken);
      expect(expectSuccess(res)).toBe(true);
      expect(clearsCookie(res)).toBe(false);
      expect(await meStatus(t.http, other.accessToken)).toBe(401);
      expectError(await refresh(other.cookie), 401, 'INVALID_REFRESH_TOKEN');
      expect(await meStatus(t.http, caller.accessToken)).toBe(200);
      const listed = expectSuccess<SessionItem[]>(await list(caller.userId, caller.accessToken));
      expect(listed.map((session) => session.id)).toEqual([sidOf(caller)]);
      const tokens = await listRefreshTokens(t.http, caller.userId, caller.accessToken);
      expect(tokens.filter((token) => token.isActive)).toHaveLength(1);
      expect(tokens.find((token) => !token.isActive)?.revokedReason).toBe('revoked');

      // not among the user's active sessions any more
      expectError(await revoke(caller.userId, sidOf(other), caller.accessToken), 404, 'NOT_FOUND');
    });

    it('answers 404 for a session of another user, 403 to a stranger, and lets an admin revoke', async () => {
      const owner = await newSession(t.http);
      const stranger = await newSession(t.http);
      expectError(await revoke(owner.userId, sidOf(stranger), owner.accessToken), 404, 'NOT_FOUND');
      expectError(await revoke(owner.userId, sidOf(owner), stranger.accessToken), 403, 'FORBIDDEN');
      expect(await meStatus(t.http, stranger.accessToken)).toBe(200);
      expectError(
        await revoke(owner.userId, 'x'.repeat(24), owner.accessToken),
        400,
        'VALIDATION_ERROR',
      );

      expect(expectSuccess(await revoke(owner.userId, sidOf(owner), admin.accessToken))).toBe(true);
      expect(await meStatus(t.http, owner.accessToken)).toBe(401);
    });

    it('clears the cookie when the caller revokes its own session', async () => {
      const caller = await newSession(t.http);
      const res = await revoke(caller.userId, sidOf(caller), caller.accessToken);
      expect(clearsCookie(res)).toBe(true);
      expect(await meStatus(t.http, caller.accessToken)).toBe(401);
    });
  });

  describe('POST /auth/logout with a scope', () => {
    async function threeSessions() {
      const username = uniqueUsername('scope');
      const a = await newSession(t.http, username);
      return [a, await signIn(t.http, username), await signIn(t.http, username)] as const;
    }

    it('others: ends every other session and keeps the caller alive with its cookie', async () => {
      const [caller, b, c] = await threeSessions();
      const res = await logout(caller, { scope: 'others' });
      expect(expectSuccess(res)).toBe(true);
      expect(clearsCookie(res)).toBe(false);
      expect(await meStatus(t.http, caller.accessToken)).toBe(200);
      for (const other of [b, c]) {
        expect(await meStatus(t.http, other.accessToken)).toBe(401);
        expect((await refresh(other.cookie)).status).toBe(401);
      }
      expect((await refresh(caller.cookie)).status).toBe(200);
    });

    it('all: ends every session of the caller and clears the cookie', async () => {
      const [caller, b, c] = await threeSessions();
      const other = await newSession(t.http);
      const res = await logout(caller, { scope: 'all' });
      expect(clearsCookie(res)).toBe(true);
      for (const session of [caller, b, c]) {
        expect(await meStatus(t.http, session.accessToken)).toBe(401);
        expect((await refresh(session.cookie)).status).toBe(401);
      }
      expect(await meStatus(t.http, other.accessToken)).toBe(200);
    });

    it('current, the default: ends only the caller’s session', async () => {
      const [caller, b] = await threeSessions();
      expect(clearsCookie(await logout(caller, { scope: 'current' }))).toBe(true);
      expect(await meStatus(t.http, caller.accessToken)).toBe(401);
      expect(await meStatus(t.http, b.accessToken)).toBe(200);
      expect(clearsCookie(await logout(b))).toBe(true);
      expect(await meStatus(t.http, b.accessToken)).toBe(401);
    });

    it('refuses an unknown scope', async () => {
      const caller = await newSession(t.http);
      expectError(await logout(caller, { scope: 'everyone' }), 400, 'VALIDATION_ERROR');
      // null is no scope: refused, not taken for the default (found by the fuzzer)
      expectError(await logout(caller, { scope: null }), 400, 'VALIDATION_ERROR');
      expect(await meStatus(t.http, caller.accessToken)).toBe(200);
    });
  });

  it('refuses an access token whose sid is a session of another user', async () => {
    const victim = await newSession(t.http);
    const attacker = await newSession(t.http);
    const forged = resign(attacker.accessToken, t.config, { claims: { sid: sidOf(victim) } });
    expect(await meStatus(t.http, forged)).toBe(401);
    expect(await meStatus(t.http, attacker.accessToken)).toBe(200);
  });
});
