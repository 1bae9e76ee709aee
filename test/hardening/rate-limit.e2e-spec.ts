import { PASSWORD, signUp, uniqueUsername } from '../support/auth-helpers';
import { awaitFreshWindow } from '../support/rate-limit-window';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';

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
    await awaitFreshWindow();
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
    await awaitFreshWindow();
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
    await awaitFreshWindow();
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

  it('limits every other route per client IP with API_RATE_LIMIT', async () => {
    await awaitFreshWindow();
    const fresh = { MONGODB_URI: testDatabaseUri(), API_RATE_LIMIT: '4' };
    const [a, b] = await Promise.all([createTestApp(fresh), createTestApp(fresh)]);
    try {
      for (const app of [a, b, a, b]) await app.http.get('/health/live').expect(200);
      const limited = await a.http.get('/health/live').expect(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect(limited.body).toMatchObject({
        success: false,
        statusCode: 429,
        error: { code: 'TOO_MANY_REQUESTS' },
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
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
