import type { Response } from 'supertest';
import { newSession, cookiesNamed } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectSuccess, listRefreshTokens, meStatus } from './rest-helpers';

const MAX_LIFETIME_SECONDS = 8;

/** Resolves once the clock has passed `instant`: waits on time itself, not on the server. */
async function clockPast(instant: Date): Promise<void> {
  while (Date.now() <= instant.getTime()) {
    await new Promise((resolve) => setTimeout(resolve, instant.getTime() - Date.now() + 5));
  }
}

function maxAgeOf(res: Response): number {
  const [cookie] = cookiesNamed(res);
  return Number(cookie.attributes['max-age']);
}

describe('SESSION_MAX_LIFETIME', () => {
  let t: TestApp;
  beforeAll(async () => {
    // the default session-check cache: the absolute end is checked against the cached record
    t = await createTestApp({
      SESSION_MAX_LIFETIME: `${MAX_LIFETIME_SECONDS}s`,
      REFRESH_TOKEN_TTL: '2h',
      SESSION_CHECK_CACHE_SECONDS: '5',
    });
  });
  afterAll(() => t.close());

  it('caps the refresh token and cookie at the absolute end, then answers SESSION_EXPIRED', async () => {
    const session = await newSession(t.http);
    const [listed] = expectSuccess<{ absoluteExpiresAt: string; createdAt: string }[]>(
      await t.http
        .get(`/users/${session.userId}/sessions`)
        .set('Authorization', bearer(session.accessToken)),
    );
    const absoluteExpiresAt = new Date(listed.absoluteExpiresAt);
    expect(absoluteExpiresAt.getTime() - new Date(listed.createdAt).getTime()).toBe(
      MAX_LIFETIME_SECONDS * 1000,
    );

    const refreshed = await t.http.post('/auth/refresh-token').set('Cookie', session.cookie);
    const accessToken = expectSuccess<{ accessToken: string }>(refreshed).accessToken;
    expect(maxAgeOf(refreshed)).toBeLessThanOrEqual(MAX_LIFETIME_SECONDS);
    const nextCookie = `refreshToken=${cookiesNamed(refreshed)[0].value}`;
    for (const token of await listRefreshTokens(t.http, session.userId, accessToken)) {
      expect(new Date(token.expiresAt).getTime()).toBeLessThanOrEqual(absoluteExpiresAt.getTime());
    }

    await clockPast(absoluteExpiresAt);
    expectError(
      await t.http.post('/auth/refresh-token').set('Cookie', nextCookie),
      401,
      'SESSION_EXPIRED',
    );
    expect(await meStatus(t.http, accessToken)).toBe(401);
    expect(await meStatus(t.http, session.accessToken)).toBe(401);
  });

  it('sets the sign-in cookie’s Max-Age to the time left, never past the absolute end', async () => {
    const res = await t.http
      .post('/auth/sign-up')
      .send({ username: `life${Date.now()}`, password: 'correct horse battery' });
    const username = (res.body as { data: { username: string } }).data.username;
    const signedIn = await t.http
      .post('/auth/sign-in')
      .send({ username, password: 'correct horse battery' })
      .expect(200);
    expect(maxAgeOf(signedIn)).toBe(MAX_LIFETIME_SECONDS);
  });
});
