import { ChangePasswordDocument, SignInDocument, SignUpDocument } from '../generated/graphql';
import { execute, onlyError } from '../graphql/support/graphql-client';
import { PASSWORD, signIn, signUp, uniqueUsername } from '../support/auth-helpers';
import {
  collectionAndCommand,
  commandsDuring,
  monitoredDatabaseUri,
} from '../support/database-commands';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';

/** Waits out a Retry-After: the server's lock has ended once that many seconds have passed. */
function waitOut(retryAfter: string | undefined): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Number(retryAfter) * 1000 + 100));
}

let ipCounter = 0;
/** A client address of its own for each test, so tests sharing an app never share a budget. */
function newClientIp(): string {
  ipCounter += 1;
  return `198.51.${100 + Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

/** X-Forwarded-For as the trusted proxy sends it: whatever the client wrote, then the client. */
function forwardedFor(ip: string): string {
  return `${Math.floor(Math.random() * 250)}.6.6.6, ${ip}`;
}

describe('brute-force layers, REST and GraphQL alike (behind one trusted proxy)', () => {
  describe('AUTH_IP_RATE_LIMIT: sign-in and sign-up attempts per client IP, whatever the username', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        TRUST_PROXY: 'loopback',
        AUTH_RATE_LIMIT: '10',
        AUTH_IP_RATE_LIMIT: '6',
      });
    });
    afterAll(() => t.close());

    const restSignIn = (ip: string, username: string, password = 'wrong password') =>
      t.http
        .post('/auth/sign-in')
        .set('X-Forwarded-For', forwardedFor(ip))
        .send({ username, password });
    const graphqlSignIn = (ip: string, username: string, password = 'wrong password') =>
      execute(
        t.http,
        SignInDocument,
        { input: { username, password } },
        { headers: { 'X-Forwarded-For': forwardedFor(ip) } },
      );

    it('stops password spraying: one client, a new username each time, 429 after the limit on both faces', async () => {
      const ip = newClientIp();
      const real = uniqueUsername('sprayed');
      await signUp(t.http, real);
      for (let i = 0; i < 3; i++)
        expect((await restSignIn(ip, uniqueUsername('spray'))).status).toBe(401);
      for (let i = 0; i < 3; i++) {
        const result = await graphqlSignIn(ip, uniqueUsername('spray'));
        expect(onlyError(result).extensions.errorCode).toBe('INVALID_CREDENTIALS');
      }

      const limited = await restSignIn(ip, uniqueUsername('spray'));
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({
        success: false,
        statusCode: 429,
        error: { code: 'TOO_MANY_REQUESTS' },
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const graphqlLimited = await graphqlSignIn(ip, uniqueUsername('spray'));
      expect(onlyError(graphqlLimited).extensions).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        retryAfterSeconds: expect.any(Number),
      });
      expect(Number(graphqlLimited.response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // the right password is refused before it is checked
      expect((await restSignIn(ip, real, PASSWORD)).status).toBe(429);
      // another client has its own budget
      expect((await restSignIn(newClientIp(), real, PASSWORD)).status).toBe(200);
    });

    it('stops account flooding: sign-ups from one client count against the same limit', async () => {
      const ip = newClientIp();
      const restSignUp = () =>
        t.http
          .post('/auth/sign-up')
          .set('X-Forwarded-For', forwardedFor(ip))
          .send({ username: uniqueUsername('flood'), password: PASSWORD });
      const graphqlSignUp = () =>
        execute(
          t.http,
          SignUpDocument,
          { input: { username: uniqueUsername('flood'), password: PASSWORD } },
          { headers: { 'X-Forwarded-For': forwardedFor(ip) } },
        );
      for (let i = 0; i < 3; i++) expect((await restSignUp()).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await graphqlSignUp()).errors).toBeUndefined();
      expect((await restSignUp()).status).toBe(429);
      expect(onlyError(await graphqlSignUp()).extensions.code).toBe('TOO_MANY_REQUESTS');
      // sign-ins from that client are spent too
      expect((await restSignIn(ip, uniqueUsername('after-flood'))).status).toBe(429);
    });

    it('cannot be dodged by a concurrent burst of new usernames', async () => {
      const ip = newClientIp();
      const responses = await Promise.all(
        Array.from({ length: 16 }, () => restSignIn(ip, uniqueUsername('burst'))),
      );
      expect(responses.filter((response) => response.status === 401)).toHaveLength(6);
      expect(responses.filter((response) => response.status === 429)).toHaveLength(10);
    });

    it('counts an IPv6 client per /64, whichever addresses of it it uses', async () => {
      ipCounter += 1;
      const prefix = `2001:db8:${ipCounter.toString(16)}:1`;
      for (let i = 1; i <= 6; i++) {
        expect(
          (await restSignIn(`${prefix}::${i.toString(16)}`, uniqueUsername('v6'))).status,
        ).toBe(401);
      }
      expect((await restSignIn(`${prefix}:ffff::7`, uniqueUsername('v6'))).status).toBe(429);
      expect(
        (await restSignIn(`2001:db8:${ipCounter.toString(16)}:2::1`, uniqueUsername('v6'))).status,
      ).toBe(401);
    });
  });

  describe('AUTH_IP_RATE_LIMIT alone (AUTH_RATE_LIMIT=0, API_RATE_LIMIT=0)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        TRUST_PROXY: 'loopback',
        AUTH_RATE_LIMIT: '0',
        API_RATE_LIMIT: '0',
        AUTH_IP_RATE_LIMIT: '3',
      });
    });
    afterAll(() => t.close());

    it('still stops password spraying when the other two limits are off', async () => {
      const ip = newClientIp();
      const attempt = () =>
        t.http
          .post('/auth/sign-in')
          .set('X-Forwarded-For', forwardedFor(ip))
          .send({ username: uniqueUsername('spray'), password: 'wrong password' });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error: { code: 'TOO_MANY_REQUESTS' } });
    });
  });

  describe('the account throttle (ACCOUNT_LOCKOUT_THRESHOLD=3, ACCOUNT_LOCKOUT_BASE_SECONDS=2)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        TRUST_PROXY: 'loopback',
        ACCOUNT_LOCKOUT_THRESHOLD: '3',
        ACCOUNT_LOCKOUT_BASE_SECONDS: '2',
        SESSION_CHECK_CACHE_SECONDS: '0',
      });
    });
    afterAll(() => t.close());

    /** A sign-in from a new client IP each time: the throttle counts the account, not the client. */
    const attempt = (username: string, password = 'wrong password') =>
      t.http
        .post('/auth/sign-in')
        .set('X-Forwarded-For', forwardedFor(newClientIp()))
        .send({ username, password });
    const statuses = async (username: string, count: number, password?: string) => {
      const seen: number[] = [];
      for (let i = 0; i < count; i++) seen.push((await attempt(username, password)).status);
      return seen;
    };

    it('refuses even the right password after THRESHOLD failures from any IPs, on both faces', async () => {
      const username = uniqueUsername('locked');
      await signUp(t.http, username);
      expect(await statuses(username, 3)).toEqual([401, 401, 401]);

      const refused = await attempt(username, PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('TOO_MANY_REQUESTS');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      const graphql = await execute(t.http, SignInDocument, {
        input: { username, password: PASSWORD },
      });
      expect(onlyError(graphql).extensions).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        retryAfterSeconds: expect.any(Number),
      });
      expect(graphql.response.headers['retry-after']).toBeDefined();

      await waitOut(refused.headers['retry-after']);
      expect((await attempt(username, PASSWORD)).status).toBe(200);
    });

    it('throttles names that do not exist exactly alike', async () => {
      const real = uniqueUsername('real');
      await signUp(t.http, real);
      const ghost = uniqueUsername('ghost');
      const realAnswers = await t.http
        .post('/auth/sign-in')
        .send({ username: real, password: 'wrong password' });
      const ghostAnswers = await t.http
        .post('/auth/sign-in')
        .send({ username: ghost, password: 'wrong password' });
      expect(ghostAnswers.body.error).toEqual(realAnswers.body.error);
      expect(await statuses(real, 3)).toEqual([401, 401, 429]);
      expect(await statuses(ghost, 3)).toEqual([401, 401, 429]);
      const [realRefused, ghostRefused] = [await attempt(real), await attempt(ghost)];
      expect(ghostRefused.status).toBe(realRefused.status);
      expect(ghostRefused.body.error).toEqual(realRefused.body.error);
      for (const refused of [realRefused, ghostRefused])
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(2);
    });

    it('doubles the lock with each further failure, and lets exactly one guess through per lock', async () => {
      const username = uniqueUsername('doubling');
      await signUp(t.http, username);
      expect(await statuses(username, 3)).toEqual([401, 401, 401]);
      const first = await attempt(username);
      expect(first.status).toBe(429);
      expect(Number(first.headers['retry-after'])).toBeLessThanOrEqual(2);
      await waitOut(first.headers['retry-after']);

      // a burst waiting for the lock to end: one guess is checked, the rest are refused
      const burst = await Promise.all(Array.from({ length: 8 }, () => attempt(username)));
      expect(burst.filter((response) => response.status === 401)).toHaveLength(1);
      expect(burst.filter((response) => response.status === 429)).toHaveLength(7);

      const second = await attempt(username, PASSWORD);
      expect(second.status).toBe(429);
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(2);
      expect(Number(second.headers['retry-after'])).toBeLessThanOrEqual(4);
    });

    it('is reset by a successful sign-in', async () => {
      const username = uniqueUsername('reset');
      await signUp(t.http, username);
      expect(await statuses(username, 2)).toEqual([401, 401]);
      expect((await attempt(username, PASSWORD)).status).toBe(200);
      expect(await statuses(username, 3)).toEqual([401, 401, 401]);
      expect((await attempt(username, PASSWORD)).status).toBe(429);
    });

    it('counts a wrong current password on change-password as a failed sign-in, and applies there too', async () => {
      const username = uniqueUsername('changer');
      await signUp(t.http, username);
      const session = await signIn(t.http, username);
      const changePassword = (currentPassword: string) =>
        t.http
          .post('/auth/change-password')
          .set('Authorization', `Bearer ${session.accessToken}`)
          .send({ currentPassword, newPassword: 'a brand new passphrase' });

      expect((await changePassword('wrong password')).status).toBe(401);
      const graphql = await execute(
        t.http,
        ChangePasswordDocument,
        { input: { currentPassword: 'wrong password', newPassword: 'a brand new passphrase' } },
        { token: session.accessToken },
      );
      expect(onlyError(graphql).extensions.errorCode).toBe('INVALID_CREDENTIALS');
      expect((await attempt(username)).status).toBe(401);

      expect((await attempt(username, PASSWORD)).status).toBe(429);
      const refused = await changePassword(PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
    });
  });

  describe('shared by two instances on one database', () => {
    let first: TestApp;
    let second: TestApp;
    beforeAll(async () => {
      const env = {
        MONGODB_URI: testDatabaseUri(),
        AUTH_RATE_LIMIT: '10',
        AUTH_IP_RATE_LIMIT: '5',
        ACCOUNT_LOCKOUT_THRESHOLD: '3',
      };
      [first, second] = await Promise.all([createTestApp(env), createTestApp(env)]);
    });
    afterAll(() => Promise.all([first.close(), second.close()]));

    it('counts one client against one budget and one account against one throttle, whichever instance answers', async () => {
      const attempt = (app: TestApp, username: string) =>
        app.http.post('/auth/sign-in').send({ username, password: 'wrong password' });
      const target = uniqueUsername('shared');
      for (const app of [first, second, first])
        expect((await attempt(app, target)).status).toBe(401);
      // the account is throttled on both; the client has one attempt of its 5 left, on either
      expect((await attempt(second, target)).status).toBe(429);
      expect((await attempt(second, uniqueUsername('other'))).status).toBe(401);
      expect((await attempt(first, uniqueUsername('other'))).status).toBe(429);
      expect((await attempt(second, uniqueUsername('other'))).status).toBe(429);
    });
  });

  describe('what the layers cost', () => {
    let on: TestApp;
    let off: TestApp;
    beforeAll(async () => {
      [on, off] = await Promise.all([
        createTestApp({
          AUTH_RATE_LIMIT: '10',
          AUTH_IP_RATE_LIMIT: '60',
          ACCOUNT_LOCKOUT_THRESHOLD: '5',
          MONGODB_URI: monitoredDatabaseUri(),
        }),
        createTestApp({ MONGODB_URI: monitoredDatabaseUri() }),
      ]);
    });
    afterAll(() => Promise.all([on.close(), off.close()]));

    /** The database commands one sign-in sends (periodic clean-ups left out). */
    const commandsOf = (t: TestApp, username: string, password: string): Promise<string[]> =>
      commandsDuring(
        t,
        () => t.http.post('/auth/sign-in').send({ username, password }),
        (event) => (event.commandName === 'delete' ? undefined : collectionAndCommand(event)),
      );

    it('adds at most two database round trips to a successful sign-in', async () => {
      const [onUser, offUser] = [uniqueUsername('cost'), uniqueUsername('cost')];
      await signUp(on.http, onUser);
      await signUp(off.http, offUser);
      const withLayers = await commandsOf(on, onUser, PASSWORD);
      const without = await commandsOf(off, offUser, PASSWORD);
      expect(without.length).toBeGreaterThan(0);
      expect(withLayers.length - without.length).toBeLessThanOrEqual(2);
    });

    it('sends the same commands for a wrong password and an unknown name', async () => {
      const known = uniqueUsername('known');
      await signUp(on.http, known);
      const wrongPassword = await commandsOf(on, known, 'wrong password');
      const unknownName = await commandsOf(on, uniqueUsername('unknown'), 'wrong password');
      expect(unknownName).toEqual(wrongPassword);
    });
  });
});
