import type { Response } from 'supertest';
import {
  PASSWORD,
  SignedIn,
  signIn,
  signUp,
  uniqueUsername,
  cookiesNamed,
  tokenIdOf,
  refresh as refreshWith,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, listRefreshTokens, meStatus } from './rest-helpers';

/** Rounds per race; each round starts the two requests together and checks the end state. */
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 100);
const RACE_TIMEOUT_MS = 600_000;

/**
 * How late the racing request starts in a round: a sweep across the other request's work (two
 * bcrypt rounds, then its writes), so the rounds cover every interleaving. The outcome is checked
 * the same whatever the offset; no assertion depends on timing.
 */
const offsetMs = (round: number): number => round % 30;
const after = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whatever a refresh issued: its access token and its new cookie, when it set one. */
function issued(res: Response): { accessToken?: string; cookie?: string } {
  if (res.status !== 200) return {};
  const [cookie] = cookiesNamed(res);
  return {
    accessToken: (res.body as { data: { accessToken: string } }).data.accessToken,
    cookie: cookie === undefined ? undefined : `refreshToken=${cookie.value}`,
  };
}

/**
 * Races that must end the right way however the requests interleave: once the revocation has
 * answered, the session it ended has no accepted access token and no usable refresh token.
 * Each failure is recorded with its round, so a run reports how many rounds went wrong.
 */
describe('session races', () => {
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    // every request looks its session up: the end state is read, not a cached look
    t = await createTestApp({
      SESSION_CHECK_CACHE_SECONDS: '0',
      BCRYPT_COST: '4',
      ADMIN_USERNAME: 'races.admin',
      ADMIN_PASSWORD: PASSWORD,
    });
    admin = await signIn(t.http, 'races.admin');
  });
  afterAll(() => t.close());

  const refresh = (cookie: string) => refreshWith(t.http, cookie);
  const changePassword = (session: SignedIn, currentPassword: string, newPassword: string) =>
    t.http
      .post('/auth/change-password')
      .set('Authorization', bearer(session.accessToken))
      .send({ currentPassword, newPassword });

  /** True when anything the ended session issued is still accepted. */
  async function survives(accessTokens: string[], cookies: string[]): Promise<boolean> {
    for (const accessToken of accessTokens)
      if ((await meStatus(t.http, accessToken)) === 200) return true;
    for (const cookie of cookies) if ((await refresh(cookie)).status === 200) return true;
    return false;
  }

  /** The ids of the user's active refresh tokens, as the admin lists them. */
  async function activeTokenIds(userId: string): Promise<Set<string>> {
    const tokens = await listRefreshTokens(t.http, userId, admin.accessToken);
    return new Set(tokens.filter((token) => token.isActive).map((token) => token.id));
  }

  /** Active tokens that appeared since `before`, other than `expected`: what a round left alive. */
  async function leftAlive(
    userId: string,
    before: Set<string>,
    expected: string[] = [],
  ): Promise<string[]> {
    const after = await activeTokenIds(userId);
    return [...after].filter((id) => !before.has(id) && !expected.includes(id));
  }

  it(
    `sign-in racing a password change never leaves a session that survives it (${ROUNDS} rounds)`,
    async () => {
      const username = uniqueUsername('race_pw');
      await signUp(t.http, username, `${PASSWORD} 0`);
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const current = `${PASSWORD} ${round}`;
        const next = `${PASSWORD} ${round + 1}`;
        const changer = await signIn(t.http, username, current);
        const [racer, changed] = await Promise.all([
          after(offsetMs(round)).then(() =>
            t.http.post('/auth/sign-in').send({ username, password: current }),
          ),
          changePassword(changer, current, next),
        ]);
        expect(changed.status).toBe(200);
        if (racer.status === 200) {
          const { accessToken, cookie } = issued(racer);
          if (await survives([accessToken!], [cookie!])) failures.push(`round ${round}`);
        }
        expect(await meStatus(t.http, changer.accessToken)).toBe(200);
      }
      expect(failures).toEqual([]);
    },
    RACE_TIMEOUT_MS,
  );

  it(
    `rotation racing logout never leaves the session alive (${ROUNDS} rounds)`,
    async () => {
      const username = uniqueUsername('race_lo');
      await signUp(t.http, username);
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const session = await signIn(t.http, username);
        const before = await activeTokenIds(session.userId);
        before.delete(tokenIdOf(session.refreshToken));
        const [rotated, loggedOut] = await Promise.all([
          refresh(session.cookie),
          t.http.post('/auth/logout').set('Authorization', bearer(session.accessToken)),
        ]);
        expect(loggedOut.status).toBe(200);
        const { accessToken, cookie } = issued(rotated);
        const leftovers = await survives(
          [session.accessToken, ...(accessToken ? [accessToken] : [])],
          cookie ? [cookie] : [],
        );
        if (leftovers || (await leftAlive(session.userId, before)).length > 0)
          failures.push(`round ${round}`);
      }
      expect(failures).toEqual([]);
    },
    RACE_TIMEOUT_MS,
  );

  it(
    `rotation racing reuse detection never leaves the session alive (${ROUNDS} rounds)`,
    async () => {
      const username = uniqueUsername('race_re');
      await signUp(t.http, username);
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const session = await signIn(t.http, username);
        const before = await activeTokenIds(session.userId);
        before.delete(tokenIdOf(session.refreshToken));
        const first = issued(await refresh(session.cookie));
        const live = issued(await refresh(first.cookie!));
        // the grandparent is theft at any time; the live token rotates at the same moment
        const [reused, rotated] = await Promise.all([
          refresh(session.cookie),
          refresh(live.cookie!),
        ]);
        expect(reused.status).toBe(401);
        const { accessToken, cookie } = issued(rotated);
        const leftovers = await survives(
          [first.accessToken!, live.accessToken!, ...(accessToken ? [accessToken] : [])],
          cookie ? [cookie] : [],
        );
        if (leftovers || (await leftAlive(session.userId, before)).length > 0)
          failures.push(`round ${round}`);
      }
      expect(failures).toEqual([]);
    },
    RACE_TIMEOUT_MS,
  );

  it(
    `rotation racing a password change never leaves the session alive (${ROUNDS} rounds)`,
    async () => {
      const username = uniqueUsername('race_rp');
      await signUp(t.http, username, `${PASSWORD} 0`);
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const current = `${PASSWORD} ${round}`;
        const victim = await signIn(t.http, username, current);
        const changer = await signIn(t.http, username, current);
        const before = await activeTokenIds(victim.userId);
        before.delete(tokenIdOf(victim.refreshToken));
        const [rotated, changed] = await Promise.all([
          after(offsetMs(round)).then(() => refresh(victim.cookie)),
          changePassword(changer, current, `${PASSWORD} ${round + 1}`),
        ]);
        expect(changed.status).toBe(200);
        const { accessToken, cookie } = issued(rotated);
        const leftovers = await survives(
          [victim.accessToken, ...(accessToken ? [accessToken] : [])],
          cookie ? [cookie] : [],
        );
        // of this round's tokens only the changer's is left
        const alive = await leftAlive(victim.userId, before, [tokenIdOf(changer.refreshToken)]);
        if (leftovers || alive.length > 0) failures.push(`round ${round}`);
      }
      expect(failures).toEqual([]);
    },
    RACE_TIMEOUT_MS,
  );
});
