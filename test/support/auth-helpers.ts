import type TestAgent from 'supertest/lib/agent';
import type { Response } from 'supertest';

let counter = 0;

/** A username unique within the run. */
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${process.pid}_${counter}_${Math.random().toString(36).slice(2, 6)}`.slice(
    0,
    32,
  );
}

export const PASSWORD = 'correct horse battery';

/** The refresh cookie's `name=value` from a response, for sending back with `.set('Cookie', …)`. */
export function refreshCookieFrom(response: Response, name = 'refreshToken'): string | undefined {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const cookie = cookies.find((entry) => entry.startsWith(`${name}=`));
  const pair = cookie?.split(';')[0];
  return pair === `${name}=` ? undefined : pair;
}

export interface SignedIn {
  userId: string;
  username: string;
  accessToken: string;
  /** `refreshToken=…`, ready for a Cookie header. */
  cookie: string;
  refreshToken: string;
}

export async function signUp(
  http: TestAgent,
  username = uniqueUsername(),
  password = PASSWORD,
): Promise<string> {
  const response = await http.post('/auth/sign-up').send({ username, password }).expect(201);
  return response.body.data.id as string;
}

export async function signIn(
  http: TestAgent,
  username: string,
  password = PASSWORD,
): Promise<SignedIn> {
  const response = await http.post('/auth/sign-in').send({ username, password }).expect(200);
  const cookie = refreshCookieFrom(response)!;
  return {
    userId: response.body.data.user.id as string,
    username,
    accessToken: response.body.data.accessToken as string,
    cookie,
    refreshToken: cookie.slice(cookie.indexOf('=') + 1),
  };
}

/** Signs up a new user and signs in. */
export async function newSession(http: TestAgent, username = uniqueUsername()): Promise<SignedIn> {
  await signUp(http, username);
  return signIn(http, username);
}
