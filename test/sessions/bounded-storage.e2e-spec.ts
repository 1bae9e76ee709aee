import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { Cleanup } from '../../src/database/cleanup';
import { Clock } from '../../src/database/clock';
import {
  EventBody,
  newSession,
  PASSWORD,
  refreshCookieFrom,
  signIn,
  signUp,
  uniqueUsername,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectSuccess, listRefreshTokens, meStatus } from '../rest/rest-helpers';

const HOUR = 3600_000;
const COLLECTIONS = ['sessions', 'session_activity', 'refresh_tokens', 'security_events'] as const;

/** Contract, "Storage that stays bounded": the session cap, retention and the clean-up. */
describe('bounded storage', () => {
  describe('MAX_SESSIONS_PER_USER', () => {
    const CAP = 5;
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ MAX_SESSIONS_PER_USER: String(CAP) });
    });
    afterAll(() => t.close());

    const activeSessions = async (userId: string, accessToken: string) =>
      expectSuccess<{ id: string }[]>(
        await t.http.get(`/users/${userId}/sessions`).set('Authorization', bearer(accessToken)),
      );

    it('ends the least recently used session beyond the cap, and says so', async () => {
      const username = uniqueUsername('cap');
      const first = await newSession(t.http, username);
      const others = [];
      for (let i = 1; i < CAP; i++) others.push(await signIn(t.http, username));
      // the first session is used since: the least recently used is now the second
      refreshCookieFrom(await t.http.post('/auth/refresh-token').set('Cookie', first.cookie));
      const newest = await signIn(t.http, username);
      const evicted = others[0];
      expect(await meStatus(t.http, evicted.accessToken)).toBe(401);
      expect(await meStatus(t.http, first.accessToken)).toBe(200);
      expect((await activeSessions(newest.userId, newest.accessToken)).length).toBe(CAP);
      const tokens = await listRefreshTokens(t.http, newest.userId, newest.accessToken);
      expect(tokens.find((token) => token.revokedReason === 'revoked')).toBeDefined();
      const events = expectSuccess<EventBody[]>(
        await t.http
          .get(`/users/${newest.userId}/security-events`)
          .set('Authorization', bearer(newest.accessToken)),
      );
      const evictions = events.filter((event) => event.type === 'session-evicted');
      expect(evictions.map((event) => event.sessionId)).toEqual([
        JSON.parse(Buffer.from(evicted.accessToken.split('.')[1], 'base64url').toString()).sid,
      ]);
    });

    it('leaves exactly the cap active after 20 parallel sign-ins at the cap', async () => {
      const username = uniqueUsername('capraces');
      await signUp(t.http, username);
      for (let i = 0; i < CAP; i++) await signIn(t.http, username);
      const racing = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.http.post('/auth/sign-in').send({ username, password: PASSWORD }),
        ),
      );
      expect(racing.map((res) => res.status)).toEqual(racing.map(() => 200));
      const viewer = racing[racing.length - 1].body as {
        data: { accessToken: string; user: { id: string } };
      };
      const sessions = await activeSessions(viewer.data.user.id, viewer.data.accessToken);
      expect(sessions).toHaveLength(CAP);
      const events = expectSuccess<EventBody[]>(
        await t.http
          .get(`/users/${viewer.data.user.id}/security-events?limit=1000`)
          .set('Authorization', bearer(viewer.data.accessToken)),
      );
      expect(events.filter((event) => event.type === 'session-evicted')).toHaveLength(20);
    });
  });

  it('keeps a year of sign-ins and refreshes (every 6 hours, on two devices) bounded by the cap and the retention', async () => {
    const CAP = 3;
    const t = await createTestApp({ MAX_SESSIONS_PER_USER: String(CAP) });
    try {
      const clock = t.app.get(Clock);
      const cleanup = t.app.get(Cleanup);
      const db = t.app.get<Connection>(getConnectionToken());
      const username = uniqueUsername('year');
      await signUp(t.http, username);
      const cookies = [
        (await signIn(t.http, username)).cookie,
        (await signIn(t.http, username)).cookie,
      ];
      let refreshes = 0;
      let signIns = 2;
      const samples: Record<string, number>[] = [];
      for (let day = 1; day <= 365; day++) {
        for (let quarter = 0; quarter < 4; quarter++) {
          clock.advance(6 * HOUR);
          for (const [device, cookie] of cookies.entries()) {
            const res = await t.http.post('/auth/refresh-token').set('Cookie', cookie);
            refreshes += 1;
            // past SESSION_MAX_LIFETIME the device signs in again
            cookies[device] =
              res.status === 200
                ? (refreshCookieFrom(res) ?? cookie)
                : (await signIn(t.http, username)).cookie;
            if (res.status !== 200) signIns += 1;
          }
        }
        // the first device also signs in afresh every ten days, so sessions end by eviction too
        if (day % 10 === 0) {
          cookies[0] = (await signIn(t.http, username)).cookie;
          signIns += 1;
        }
        await cleanup.runOnce();
        const counts: Record<string, number> = {};
        for (const name of COLLECTIONS) counts[name] = await db.collection(name).countDocuments();
        samples.push(counts);
      }
      const peak = (name: string, from = 0) =>
        Math.max(...samples.slice(from).map((counts) => counts[name]));
      const report = Object.fromEntries(
        COLLECTIONS.map((name) => [name, { end: samples[364][name], peak: peak(name) }]),
      );
      console.log(`a year: ${refreshes} refreshes, ${signIns} sign-ins`, JSON.stringify(report));

      // sessions: at most the cap active, plus those ended within SESSION_RETENTION (30d) and a day
      const signInsPerRetention = 31 / 10 + 31 / 30 + 2;
      expect(peak('sessions')).toBeLessThanOrEqual(CAP + Math.ceil(signInsPerRetention) * 2);
      // a session's activity document is stored by its first refresh, if it has one
      expect(peak('session_activity')).toBeLessThanOrEqual(peak('sessions'));
      // tokens: a session keeps REFRESH_TOKEN_TTL (7d) of its refreshes (4 a day), and its end
      const perSession = 7 * 4 + 2;
      expect(peak('refresh_tokens')).toBeLessThanOrEqual(peak('sessions') * perSession);
      expect(peak('refresh_tokens')).toBeLessThan(refreshes / 10);
      // and nothing grows with time: the second half of the year peaks no higher than the first
      for (const name of ['sessions', 'refresh_tokens'])
        expect(peak(name, 182)).toBeLessThanOrEqual(peak(name));
      // security events (one per sign-in) are kept SECURITY_EVENTS_RETENTION (90d)
      expect(peak('security_events', 182)).toBeLessThanOrEqual(
        Math.ceil((90 / 365) * signIns) + 10,
      );
    } finally {
      await t.close();
    }
  });
});
