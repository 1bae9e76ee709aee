import jwt from 'jsonwebtoken';
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

/** A user as the API answers it (REST `data` or GraphQL `User`). */
/** A SecurityEvent as the REST API answers it. */
export interface EventBody {
  id: string;
  type: string;
  at: string;
  ip: string;
  userAgent: string | null;
  sessionId: string | null;
  actorId: string | null;
}

export interface UserBody {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  /** The next three are null unless the caller is the user itself or an admin. */
  email: string | null;
  emailVerified: boolean | null;
  mfaEnabled: boolean | null;
  createdAt: string;
  updatedAt: string;
}

/** Every Set-Cookie line of a response. */
export function setCookies(res: Pick<Response, 'headers'>): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

export interface ParsedCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; valueless attributes map to ''. */
  attributes: Record<string, string>;
}

export function parseSetCookie(line: string): ParsedCookie {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const attributes: Record<string, string> = {};
  for (const attribute of rest) {
    const at = attribute.indexOf('=');
    if (at === -1) attributes[attribute.toLowerCase()] = '';
    else attributes[attribute.slice(0, at).toLowerCase()] = attribute.slice(at + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

/** The Set-Cookie lines for cookie `name`. */
export function cookiesNamed(
  res: Pick<Response, 'headers'>,
  name = 'refreshToken',
): ParsedCookie[] {
  return setCookies(res)
    .map(parseSetCookie)
    .filter((cookie) => cookie.name === name);
}

/** True when the response tells the browser to drop cookie `name`. */
export function clearsCookie(res: Pick<Response, 'headers'>, name = 'refreshToken'): boolean {
  return cookiesNamed(res, name).some(
    (cookie) =>
      cookie.value === '' &&
      (cookie.attributes['max-age'] === '0' ||
        new Date(cookie.attributes.expires ?? '').getTime() <= Date.now()),
  );
}

/** The attributes of a Set-Cookie line, without its value and expiry date (which differ per response). */
export function cookieAttributes(setCookie: string): string[] {
  return setCookie
    .split(';')
    .slice(1)
    .map((part) => part.trim())
    .filter((part) => !part.startsWith('Expires='))
    .sort();
}

/** The refresh cookie's `name=value` from a response, for sending back with `.set('Cookie', …)`. */
export function refreshCookieFrom(
  response: Pick<Response, 'headers'>,
  name = 'refreshToken',
): string | undefined {
  const cookie = cookiesNamed(response, name)[0];
  return cookie === undefined || cookie.value === '' ? undefined : `${name}=${cookie.value}`;
}

export interface AccessTokenPayload {
  sub: string;
  username: string;
  role: string;
  sid: string;
  fresh: boolean;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  jti: string;
  [claim: string]: unknown;
}

export interface DecodedAccessToken {
  header: { alg: string; typ?: string; [field: string]: unknown };
  payload: AccessTokenPayload;
}

/** A JWT's header and claims, unverified. */
export function decodeAccessToken(token: string): DecodedAccessToken {
  const decoded = jwt.decode(token, { complete: true });
  if (decoded === null || typeof decoded.payload === 'string')
    throw new Error(`not a JWT: ${token}`);
  return decoded as unknown as DecodedAccessToken;
}

/** A signed-in session, made through REST or GraphQL alike. */
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

/** The session id (`sid`) of a session's access token. */
export function sidOf(session: Pick<SignedIn, 'accessToken'>): string {
  return decodeAccessToken(session.accessToken).payload.sid;
}

/** The id of the link a refresh token is stored under (its selector). */
export function tokenIdOf(refreshToken: string): string {
  return Buffer.from(refreshToken, 'base64url').subarray(0, 12).toString('hex');
}

/** POST /auth/refresh-token with the cookie (`refreshToken=…`) when given. */
export function refresh(http: TestAgent, cookie?: string) {
  const request = http.post('/auth/refresh-token');
  return cookie === undefined ? request : request.set('Cookie', cookie);
}

/** Signs up a new user and signs in. */
export async function newSession(http: TestAgent, username = uniqueUsername()): Promise<SignedIn> {
  await signUp(http, username);
  return signIn(http, username);
}
