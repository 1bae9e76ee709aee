import type { Response } from 'supertest';
import { execute, onlyError, send } from '../graphql/support/graphql-client';
import { VerifyMfaDocument } from '../generated/graphql';
import { expectError, expectSuccess } from '../rest/rest-helpers';
import {
  cookiesNamed,
  EventBody,
  newSession,
  PASSWORD,
  uniqueUsername,
} from '../support/auth-helpers';
import { disableMfa, enrolMfa, Enrolment, startMfaSignIn } from '../support/mfa-helpers';
import { createTestApp, TestApp } from '../support/test-app';

const THRESHOLD = 3;

/**
 * Contract, "Second factor": wrong codes count as failed sign-ins of the user in the account
 * throttle (and in the device's, with a device cookie); the right password alone does not reset
 * it, a completed second step does.
 */
describe('second factor under the account throttle', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ACCOUNT_LOCKOUT_THRESHOLD: String(THRESHOLD),
      ACCOUNT_LOCKOUT_BASE_SECONDS: '600',
    });
  });
  afterAll(() => t.close());

  const verify = (mfaToken: string, code: string, cookie?: string) => {
    const request = t.http.post('/auth/mfa/verify').send({ mfaToken, code });
    return cookie === undefined ? request : request.set('Cookie', cookie);
  };
  const passwordSignIn = (username: string, password = PASSWORD, cookie?: string) => {
    const request = t.http.post('/auth/sign-in').send({ username, password });
    return cookie === undefined ? request : request.set('Cookie', cookie);
  };
  const deviceCookieOf = (res: Pick<Response, 'headers'>) =>
    `deviceId=${cookiesNamed(res, 'deviceId')[0].value}`;

  /** A new user with TOTP on; the device cookie of the password sign-in it enrolled from. */
  async function enrolled(): Promise<
    Enrolment & { username: string; device: string; token: string }
  > {
    const username = uniqueUsername('throttled');
    await newSession(t.http, username);
    const res = await passwordSignIn(username);
    const token = expectSuccess<{ accessToken: string }>(res).accessToken;
    return { username, device: deviceCookieOf(res), token, ...(await enrolMfa(t.http, token)) };
  }

  it('counts wrong codes on both faces as failed sign-ins (each an mfa-failed event), then refuses even the right ones', async () => {
    const { username, authenticator, token } = await enrolled();
    const mfaToken = await startMfaSignIn(t.http, username);
    const wrong = authenticator.wrongCode();
    for (let i = 0; i < THRESHOLD - 1; i++)
      expectError(await verify(mfaToken, wrong), 401, 'INVALID_MFA_CODE');
    const graphql = await execute(t.http, VerifyMfaDocument, { input: { mfaToken, code: wrong } });
    expect(onlyError(graphql).extensions.errorCode).toBe('INVALID_MFA_CODE');

    const refused = await verify(mfaToken, await authenticator.code());
    expectError(refused, 429, 'TOO_MANY_REQUESTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expectError(await passwordSignIn(username), 429, 'TOO_MANY_REQUESTS');

    const events = await t.http
      .get(`/auth/me`)
      .set('Authorization', `Bearer ${token}`)
      .then((me) =>
        t.http
          .get(`/users/${me.body.data.id as string}/security-events`)
          .set('Authorization', `Bearer ${token}`),
      );
    const failed = expectSuccess<EventBody[]>(events).filter(
      (event) => event.type === 'mfa-failed',
    );
    expect(failed).toHaveLength(THRESHOLD);
    expect(failed[0]).toMatchObject({ actorId: null, sessionId: null });
  });

  it('gives aliased verifyMfa fields of one GraphQL request one guess, counted like any other', async () => {
    const { username, authenticator } = await enrolled();
    const mfaToken = await startMfaSignIn(t.http, username);
    const code = authenticator.wrongCode();
    const fields = Array.from(
      { length: 10 },
      (_, i) => `v${i}: verifyMfa(input: { mfaToken: $t, code: "${code}" }) { accessToken }`,
    );
    const result = await send<unknown>(t.http, {
      query: `mutation($t: String!) { ${fields.join(' ')} }`,
      variables: { t: mfaToken },
    });
    // a refused non-null mutation field ends the request: the other aliases never run
    expect(result.errors!.map((error) => error.extensions.errorCode)).toEqual(['INVALID_MFA_CODE']);
    for (let i = 1; i < THRESHOLD; i++)
      expectError(await verify(mfaToken, code), 401, 'INVALID_MFA_CODE');
    expectError(await verify(mfaToken, await authenticator.code()), 429, 'TOO_MANY_REQUESTS');
  });

  it('is not reset by the right password alone, and is by a completed second step', async () => {
    const { username, authenticator, recoveryCodes } = await enrolled();
    const wrong = authenticator.wrongCode();

    // failures, a completed second step, failures again: below the threshold all along
    let mfaToken = await startMfaSignIn(t.http, username);
    for (let i = 0; i < THRESHOLD - 1; i++)
      expectError(await verify(mfaToken, wrong), 401, 'INVALID_MFA_CODE');
    expectSuccess(await verify(mfaToken, recoveryCodes[0]));
    mfaToken = await startMfaSignIn(t.http, username);
    for (let i = 0; i < THRESHOLD - 1; i++)
      expectError(await verify(mfaToken, wrong), 401, 'INVALID_MFA_CODE');

    // the right password in between changes nothing: one more failure reaches the threshold
    mfaToken = await startMfaSignIn(t.http, username);
    expectError(await verify(mfaToken, wrong), 401, 'INVALID_MFA_CODE');
    expectError(await verify(mfaToken, recoveryCodes[1]), 429, 'TOO_MANY_REQUESTS');
  });

  it('counts no code sent to a sign-in whose factor was turned off or set up again since: the sign-in is over', async () => {
    const { username, authenticator, recoveryCodes, token } = await enrolled();
    const turnedOff = await startMfaSignIn(t.http, username);
    const setUpAgain = await startMfaSignIn(t.http, username);
    expectSuccess(await disableMfa(t.http, token, recoveryCodes[0]));
    for (let i = 0; i <= THRESHOLD; i++)
      expectError(await verify(turnedOff, authenticator.wrongCode()), 401, 'INVALID_MFA_TOKEN');

    const again = await enrolMfa(t.http, token);
    for (let i = 0; i <= THRESHOLD; i++)
      expectError(
        await verify(setUpAgain, again.authenticator.wrongCode()),
        401,
        'INVALID_MFA_TOKEN',
      );
    // no failure was counted: the new factor's sign-in goes through
    expectSuccess(await verify(await startMfaSignIn(t.http, username), again.recoveryCodes[0]));
  });

  it('lets the owner’s device through a username strangers hold throttled, and throttles a device by its own wrong codes', async () => {
    const owner = await enrolled();
    for (let i = 0; i < THRESHOLD; i++)
      expectError(
        await passwordSignIn(owner.username, 'a wrong password'),
        401,
        'INVALID_CREDENTIALS',
      );
    expectError(await passwordSignIn(owner.username), 429, 'TOO_MANY_REQUESTS');
    const mfaToken = await startMfaSignIn(t.http, owner.username, owner.device);
    const signedIn = await verify(mfaToken, await owner.authenticator.code(), owner.device);
    expectSuccess(signedIn);
    expect(deviceCookieOf(signedIn).split('.')[0]).toBe(owner.device.split('.')[0]);

    // a device's wrong codes throttle that device alone
    const guesser = await enrolled();
    const guessed = await startMfaSignIn(t.http, guesser.username, guesser.device);
    for (let i = 0; i < THRESHOLD; i++)
      expectError(
        await verify(guessed, guesser.authenticator.wrongCode(), guesser.device),
        401,
        'INVALID_MFA_CODE',
      );
    expectError(
      await verify(guessed, guesser.recoveryCodes[0], guesser.device),
      429,
      'TOO_MANY_REQUESTS',
    );
    expectError(
      await passwordSignIn(guesser.username, PASSWORD, guesser.device),
      429,
      'TOO_MANY_REQUESTS',
    );
    // the username's own throttle is as it was
    expectSuccess(await verify(guessed, guesser.recoveryCodes[0]));
  });
});

/** `@AuthRateLimited()` on the second step: per (client IP, pending sign-in), and per client IP. */
describe('second factor under the auth rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    // sign-up, sign-in and two first steps of one username stay within 4
    t = await createTestApp({ AUTH_RATE_LIMIT: '4', AUTH_IP_RATE_LIMIT: '100' });
  });
  afterAll(() => t.close());

  it('counts verifies of one mfaToken against AUTH_RATE_LIMIT, on both faces; another pending sign-in has its own budget', async () => {
    const username = uniqueUsername('limited');
    const { accessToken } = await newSession(t.http, username);
    const { authenticator } = await enrolMfa(t.http, accessToken);
    const first = await startMfaSignIn(t.http, username);
    const second = await startMfaSignIn(t.http, username);
    const wrong = authenticator.wrongCode();
    for (let i = 0; i < 3; i++)
      expectError(
        await t.http.post('/auth/mfa/verify').send({ mfaToken: first, code: wrong }),
        401,
        'INVALID_MFA_CODE',
      );
    const graphql = await execute(t.http, VerifyMfaDocument, {
      input: { mfaToken: first, code: wrong },
    });
    expect(onlyError(graphql).extensions.errorCode).toBe('INVALID_MFA_CODE');
    const limited = await t.http.post('/auth/mfa/verify').send({ mfaToken: first, code: wrong });
    expectError(limited, 429, 'TOO_MANY_REQUESTS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectSuccess(
      await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken: second, code: await authenticator.code() }),
    );
  });
});

describe('second factor after a lock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ACCOUNT_LOCKOUT_THRESHOLD: String(THRESHOLD),
      ACCOUNT_LOCKOUT_BASE_SECONDS: '1',
    });
  });
  afterAll(() => t.close());

  it('leaves the one guess a lock lets through to the code, not to the right password', async () => {
    const username = uniqueUsername('afterlock');
    const { accessToken } = await newSession(t.http, username);
    const { authenticator } = await enrolMfa(t.http, accessToken);
    const mfaToken = await startMfaSignIn(t.http, username);
    let refused: Response | undefined;
    for (let i = 0; i <= THRESHOLD && refused?.status !== 429; i++)
      refused = await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken, code: authenticator.wrongCode() });
    expectError(refused!, 429, 'TOO_MANY_REQUESTS');
    // once the lock is over, the right password is let through and gives the guess back
    await new Promise((resolve) =>
      setTimeout(resolve, Number(refused!.headers['retry-after']) * 1000 + 100),
    );
    const again = await startMfaSignIn(t.http, username);
    expectSuccess(
      await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken: again, code: await authenticator.code() }),
    );
  });

  it('gives the one guess back to the next attempt when a second step finds its sign-in over', async () => {
    const username = uniqueUsername('deadguess');
    const { accessToken } = await newSession(t.http, username);
    const { authenticator, recoveryCodes } = await enrolMfa(t.http, accessToken);
    const mfaToken = await startMfaSignIn(t.http, username);
    expectSuccess(await disableMfa(t.http, accessToken, recoveryCodes[0]));
    let refused: Response | undefined;
    for (let i = 0; i <= THRESHOLD && refused?.status !== 429; i++)
      refused = await t.http.post('/auth/sign-in').send({ username, password: 'a wrong password' });
    expectError(refused!, 429, 'TOO_MANY_REQUESTS');
    await new Promise((resolve) =>
      setTimeout(resolve, Number(refused!.headers['retry-after']) * 1000 + 100),
    );
    // the lock's one guess goes to the dead sign-in, which reaches no verdict and gives it back
    expectError(
      await t.http.post('/auth/mfa/verify').send({ mfaToken, code: authenticator.wrongCode() }),
      401,
      'INVALID_MFA_TOKEN',
    );
    expectSuccess(await t.http.post('/auth/sign-in').send({ username, password: PASSWORD }));
  });
});
