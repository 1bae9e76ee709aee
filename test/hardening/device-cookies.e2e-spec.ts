import type { Response } from 'supertest';
import { SignInDocument } from '../generated/graphql';
import { execute, onlyError } from '../graphql/support/graphql-client';
import { cookiesNamed, PASSWORD, signUp, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { expectError, expectSuccess } from '../rest/rest-helpers';

const THRESHOLD = 3;

/** `deviceId=…`, ready for a Cookie header, from a response that set it. */
function deviceCookieOf(res: Pick<Response, 'headers'>): string {
  const [cookie] = cookiesNamed(res, 'deviceId');
  expect(cookie).toBeDefined();
  return `deviceId=${cookie.value}`;
}

/**
 * Contract, "Sign-in that no stranger can lock" (OWASP's device cookies): the account throttle
 * strangers fill does not lock out the owner's browser, and a device's own failures throttle that
 * device alone.
 */
describe('device cookies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ACCOUNT_LOCKOUT_THRESHOLD: String(THRESHOLD),
      ACCOUNT_LOCKOUT_BASE_SECONDS: '600',
    });
  });
  afterAll(() => t.close());

  const signIn = (username: string, password: string, cookie?: string) => {
    const request = t.http.post('/auth/sign-in').send({ username, password });
    return cookie === undefined ? request : request.set('Cookie', cookie);
  };

  async function lockOut(username: string, cookie?: string): Promise<void> {
    for (let i = 0; i < THRESHOLD; i++)
      expectError(await signIn(username, 'a wrong password', cookie), 401, 'INVALID_CREDENTIALS');
    expectError(await signIn(username, PASSWORD, cookie), 429, 'TOO_MANY_REQUESTS');
  }

  it('is set by a successful sign-in: HttpOnly, signed, a year long, naming no username', async () => {
    const username = uniqueUsername('dev');
    await signUp(t.http, username);
    const res = expectOk(await signIn(username, PASSWORD));
    const [cookie] = cookiesNamed(res, 'deviceId');
    expect(cookie.value).not.toContain(username);
    expect(cookie.attributes).toMatchObject({
      httponly: '',
      path: '/',
      samesite: 'Strict',
      'max-age': String(365 * 24 * 3600),
    });
    // the same device keeps its id across sign-ins
    const again = expectOk(await signIn(username, PASSWORD, `deviceId=${cookie.value}`));
    expect(cookiesNamed(again, 'deviceId')[0].value.split('.')[0]).toBe(cookie.value.split('.')[0]);
  });

  it('lets the owner sign in while strangers hold the username throttled, on both faces', async () => {
    const username = uniqueUsername('owner');
    await signUp(t.http, username);
    const device = deviceCookieOf(expectOk(await signIn(username, PASSWORD)));
    await lockOut(username);
    expectOk(await signIn(username, PASSWORD, device));
    const graphql = await execute(
      t.http,
      SignInDocument,
      { input: { username, password: PASSWORD } },
      { cookie: device },
    );
    expect(graphql.errors).toBeUndefined();
    // without the cookie the username stays throttled: the owner's success did not reset it
    expectError(await signIn(username, PASSWORD), 429, 'TOO_MANY_REQUESTS');
  });

  it('throttles a device by its own failures alone, leaving the username as it was', async () => {
    const username = uniqueUsername('guesser');
    await signUp(t.http, username);
    const device = deviceCookieOf(expectOk(await signIn(username, PASSWORD)));
    await lockOut(username, device);
    const graphql = await execute(
      t.http,
      SignInDocument,
      { input: { username, password: PASSWORD } },
      { cookie: device },
    );
    expect(onlyError(graphql).extensions.code).toBe('TOO_MANY_REQUESTS');
    expectOk(await signIn(username, PASSWORD));
  });

  it('treats a tampered cookie, another username’s, or garbage as an unknown device', async () => {
    const username = uniqueUsername('victim');
    const other = uniqueUsername('other');
    await signUp(t.http, username);
    await signUp(t.http, other);
    const own = deviceCookieOf(expectOk(await signIn(username, PASSWORD)));
    const foreign = deviceCookieOf(expectOk(await signIn(other, PASSWORD)));
    await lockOut(username);
    const [deviceId, userTag, mac] = own.slice('deviceId='.length).split('.');
    const forged = [
      foreign,
      `deviceId=${deviceId}.${userTag}.${mac.slice(0, -2)}AA`,
      `deviceId=${deviceId}x.${userTag}.${mac}`,
      'deviceId=anything',
    ];
    for (const cookie of forged)
      expectError(await signIn(username, PASSWORD, cookie), 429, 'TOO_MANY_REQUESTS');
  });
});

function expectOk(res: Response): Response {
  expectSuccess(res);
  return res;
}
