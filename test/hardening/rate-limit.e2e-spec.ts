import type { Env } from '../../src/config/load-config';
import { MongoThrottlerStorage } from '../../src/rate-limit/mongo-throttler.storage';
import { PASSWORD, signUp, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';

/** Two instances of their own on a fresh database, for a test that needs budgets nobody touched. */
async function withTwoInstances(
  env: Env,
  run: (a: TestApp, b: TestApp) => Promise<void>,
): Promise<void> {
  const fresh = { MONGODB_URI: testDatabaseUri(), ...env };
  const [a, b] = await Promise.all([createTestApp(fresh), createTestApp(fresh)]);
  try {
    await run(a, b);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

describe('rate limits shared by two instances on one database', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    const env = { MONGODB_URI: testDatabaseUri(), AUTH_RATE_LIMIT: '5', API_RATE_LIMIT: '8' };
    [first, second] = await Promise.all([createTestApp(env), createTestApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it('limits sign-in attempts per client IP and username across both instances', async () => {
    const username = uniqueUsername('limited');
    const attempt = (app: TestApp) =>
      app.http.post('/auth/sign-in').send({ username, password: 'wrong password' });

    for (const app of [first, second, first, second, first])
      expect((await attempt(app)).status).toBe(401);
    const limited = await attempt(second);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('TOO_MANY_REQUESTS');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // the right password does not get through either: the attempt is refused before it is checked
    expect(
      (await first.http.post('/auth/sign-in').send({ username, password: PASSWORD })).status,
    ).toBe(429);
    // another username from the same IP has its own budget
    expect(
      (await attempt(first).send({ username: uniqueUsername('other'), password: 'wrong password' }))
        .status,
    ).toBe(401);
  });

  it('counts sign-up attempts too', async () => {
    const username = uniqueUsername('signup');
    const statuses: number[] = [];
    for (const app of [first, second, first, second, first, second]) {
      statuses.push(
        (await app.http.post('/auth/sign-up').send({ username, password: PASSWORD })).status,
      );
    }
    expect(statuses).toEqual([201, 409, 409, 409, 409, 429]);
  });

  it('cannot be dodged by a concurrent burst', async () => {
    const username = uniqueUsername('burst');
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 === 0 ? first : second).http
          .post('/auth/sign-in')
          .send({ username, password: 'wrong password' }),
      ),
    );
    const passed = responses.filter((response) => response.status !== 429);
    expect(passed).toHaveLength(5);
    expect(responses.some((response) => response.status === 429)).toBe(true);
  });

  it('limits every other route per client IP with API_RATE_LIMIT, exactly under a concurrent burst', async () => {
    await withTwoInstances({ API_RATE_LIMIT: '4' }, async (a, b) => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).http.get('/health/live')),
      );
      expect(responses.filter((response) => response.status === 200)).toHaveLength(4);
      const limited = responses.filter((response) => response.status === 429);
      expect(limited).toHaveLength(16);
      expect(limited[0].headers['retry-after']).toBeDefined();
      expect(limited[0].body).toMatchObject({
        success: false,
        statusCode: 429,
        error: { code: 'TOO_MANY_REQUESTS' },
      });
    });
  });

  it('refuses a burst across a minute boundary, whichever instance answers (the windows slide)', async () => {
    await withTwoInstances({ AUTH_RATE_LIMIT: '5' }, async (a, b) => {
      // a minute boundary a few minutes ahead, on both instances' rate-limit clocks
      const boundary = (Math.ceil(Date.now() / 60_000) + 5) * 60_000;
      const setClock = (at: number) => {
        for (const app of [a, b])
          jest.spyOn(app.app.get(MongoThrottlerStorage), 'now').mockReturnValue(at);
      };
      const username = uniqueUsername('edge');
      const attempt = (app: TestApp) =>
        app.http.post('/auth/sign-in').send({ username, password: 'wrong password' });

      setClock(boundary - 3_000);
      for (const app of [a, b, a, b, a]) expect((await attempt(app)).status).toBe(401);
      // fixed one-minute windows would start afresh here and let 5 more through
      setClock(boundary + 2_000);
      const refused = await attempt(b);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('55');
      expect((await attempt(a)).status).toBe(429);
      // a minute after the first five
      setClock(boundary + 57_000);
      expect((await attempt(b)).status).toBe(401);
    });
  });

  it('is off at 0', async () => {
    const unlimited = await createTestApp({ AUTH_RATE_LIMIT: '0', API_RATE_LIMIT: '0' });
    try {
      const username = uniqueUsername('free');
      await signUp(unlimited.http, username);
      for (let i = 0; i < 12; i++) {
        await unlimited.http
          .post('/auth/sign-in')
          .send({ username, password: 'wrong password' })
          .expect(401);
      }
    } finally {
      await unlimited.close();
    }
  });
});
