import { PASSWORD, SignedIn, signIn, signUp, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectFieldError,
  expectSuccess,
  listRefreshTokens,
  meStatus,
  nowSeconds,
  resign,
} from './rest-helpers';

const NEW_PASSWORD = 'a brand new passphrase';

describe('POST /auth/change-password', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SESSION_CHECK_CACHE_SECONDS: '0' });
  });
  afterAll(() => t.close());

  const changePassword = (accessToken: string, body: object) =>
    t.http.post('/auth/change-password').set('Authorization', bearer(accessToken)).send(body);

  /** A user with two sessions: `current` changes the password, `other` watches. */
  async function twoSessions(): Promise<{ current: SignedIn; other: SignedIn }> {
    const username = uniqueUsername();
    await signUp(t.http, username);
    const other = await signIn(t.http, username);
    const current = await signIn(t.http, username);
    return { current, other };
  }

  const signInStatus = async (username: string, password: string) =>
    (await t.http.post('/auth/sign-in').send({ username, password })).status;

  it('changes the password with a fresh token and ends every other session', async () => {
    const { current, other } = await twoSessions();
    const before = await listRefreshTokens(t.http, current.userId, current.accessToken);
    expect(before.filter((token) => token.isActive)).toHaveLength(2);

    const res = await changePassword(current.accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(expectSuccess(res)).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain(NEW_PASSWORD);

    expect(await signInStatus(current.username, PASSWORD)).toBe(401);
    expect(await signInStatus(current.username, NEW_PASSWORD)).toBe(200);

    // the current session lives on: its access token and its cookie
    expect(await meStatus(t.http, current.accessToken)).toBe(200);
    const tokens = await listRefreshTokens(t.http, current.userId, current.accessToken);
    // two from before plus the sign-in with the new password above
    expect(tokens).toHaveLength(3);
    const ended = tokens.filter((token) => !token.isActive);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ revokedReason: 'password-changed', isExpired: false });
    expect(ended[0].revokedAt).not.toBeNull();
    expect(ended[0].revokedByIp).toEqual(expect.any(String));
    await t.http.post('/auth/refresh-token').set('Cookie', current.cookie).expect(200);

    // the other session is over
    expectError(
      await t.http.get('/auth/me').set('Authorization', bearer(other.accessToken)),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await t.http.post('/auth/refresh-token').set('Cookie', other.cookie),
      401,
      'INVALID_REFRESH_TOKEN',
    );
  });

  it('answers a wrong current password with 401 INVALID_CREDENTIALS and changes nothing', async () => {
    const { current, other } = await twoSessions();
    const res = await changePassword(current.accessToken, {
      currentPassword: 'not my password',
      newPassword: NEW_PASSWORD,
    });
    expect(expectError(res, 401, 'INVALID_CREDENTIALS').details).toEqual([]);
    expect(await signInStatus(current.username, PASSWORD)).toBe(200);
    expect(await signInStatus(current.username, NEW_PASSWORD)).toBe(401);
    expect(await meStatus(t.http, other.accessToken)).toBe(200);
    expect(await meStatus(t.http, current.accessToken)).toBe(200);
  });

  it('answers a token issued by refresh (fresh=false) with 403 FRESH_LOGIN_REQUIRED', async () => {
    const { current, other } = await twoSessions();
    const refreshed = await t.http.post('/auth/refresh-token').set('Cookie', current.cookie);
    const { accessToken } = expectSuccess<{ accessToken: string }>(refreshed);
    const res = await changePassword(accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(expectError(res, 403, 'FRESH_LOGIN_REQUIRED').details).toEqual([]);
    expect(await signInStatus(current.username, PASSWORD)).toBe(200);
    expect(await meStatus(t.http, other.accessToken)).toBe(200);
  });

  it('answers a token older than FRESH_LOGIN_MAX_AGE (10m) with 403 FRESH_LOGIN_REQUIRED', async () => {
    const { current } = await twoSessions();
    const now = nowSeconds();
    const maxAge = t.config.freshLoginMaxAgeSeconds;
    expect(maxAge).toBe(600);
    // the same live session and claims, issued just past the limit and not expired yet
    const stale = resign(current.accessToken, t.config, {
      claims: { iat: now - maxAge - 5, exp: now + 300 },
    });
    expect(await meStatus(t.http, stale)).toBe(200);
    const res = await changePassword(stale, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expectError(res, 403, 'FRESH_LOGIN_REQUIRED');
    expect(await signInStatus(current.username, PASSWORD)).toBe(200);

    // just inside the limit the token is fresh enough: the password check is reached
    const recent = resign(current.accessToken, t.config, {
      claims: { iat: now - maxAge + 30, exp: now + 300 },
    });
    const checked = await changePassword(recent, {
      currentPassword: 'wrong password',
      newPassword: NEW_PASSWORD,
    });
    expectError(checked, 401, 'INVALID_CREDENTIALS');
  });

  it('validates the new password: 8-72 UTF-8 bytes', async () => {
    const { current } = await twoSessions();
    for (const newPassword of ['short', 'a'.repeat(73), 'é'.repeat(36) + 'a', '']) {
      const res = await changePassword(current.accessToken, {
        currentPassword: PASSWORD,
        newPassword,
      });
      expectFieldError(res, 'newPassword');
    }
    expect(await signInStatus(current.username, PASSWORD)).toBe(200);

    const multiByte = 'é'.repeat(36);
    expectSuccess(
      await changePassword(current.accessToken, {
        currentPassword: PASSWORD,
        newPassword: multiByte,
      }),
    );
    expect(await signInStatus(current.username, multiByte)).toBe(200);
  });

  it.each([
    ['no newPassword', { currentPassword: PASSWORD }, 'newPassword'],
    ['no currentPassword', { newPassword: NEW_PASSWORD }, 'currentPassword'],
    [
      'a numeric currentPassword',
      { currentPassword: 1234, newPassword: NEW_PASSWORD },
      'currentPassword',
    ],
    [
      'an operator',
      { currentPassword: { $ne: null }, newPassword: NEW_PASSWORD },
      'currentPassword',
    ],
    [
      'an unknown field',
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, userId: 'x' },
      'userId',
    ],
  ])('answers %s with 400 VALIDATION_ERROR', async (_what, body, field) => {
    const { current } = await twoSessions();
    expectFieldError(await changePassword(current.accessToken, body), field);
    expect(await signInStatus(current.username, PASSWORD)).toBe(200);
  });

  it('answers 401 UNAUTHORIZED without an access token', async () => {
    const res = await t.http
      .post('/auth/change-password')
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expectError(res, 401, 'UNAUTHORIZED');
  });
});

describe('POST /auth/change-password with FRESH_LOGIN_MAX_AGE=5s', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ FRESH_LOGIN_MAX_AGE: '5s' });
  });
  afterAll(() => t.close());

  it('refuses a sign-in token once it is older than the configured age', async () => {
    const username = uniqueUsername();
    await signUp(t.http, username);
    const session = await signIn(t.http, username);
    const now = nowSeconds();
    const stale = resign(session.accessToken, t.config, { claims: { iat: now - 10 } });
    expectError(
      await t.http
        .post('/auth/change-password')
        .set('Authorization', bearer(stale))
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      403,
      'FRESH_LOGIN_REQUIRED',
    );
    expectSuccess(
      await t.http
        .post('/auth/change-password')
        .set('Authorization', bearer(session.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    );
  });
});
