import { newSession, refreshCookieFrom, SignedIn } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectSuccess,
  listRefreshTokens,
  meStatus,
} from '../rest/rest-helpers';

const EVIL = 'http://evil.example';
const APP_URL = 'https://app.example.com';
const CORS_ORIGIN = 'https://spa.example.com';

/**
 * Contract, "Cookie routes refuse foreign origins": what a page on another site can make a
 * browser send with the user's cookie is refused before anything rotates or ends, whatever
 * COOKIE_SAMESITE is.
 */
describe('cookie routes refuse foreign origins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      APP_URL,
      CORS_ORIGINS: CORS_ORIGIN,
      COOKIE_SAMESITE: 'none',
      COOKIE_SECURE: 'true',
      TRUST_PROXY: 'loopback',
    });
  });
  afterAll(() => t.close());

  const refresh = (cookie: string, origin?: string) => {
    const request = t.http.post('/auth/refresh-token').set('Cookie', cookie);
    return origin === undefined ? request : request.set('Origin', origin);
  };

  async function activeTokens(session: SignedIn): Promise<number> {
    const tokens = await listRefreshTokens(t.http, session.userId, session.accessToken);
    return tokens.filter((token) => token.isActive).length;
  }

  it('refuses a cross-site refresh, even as text/plain, and rotates nothing', async () => {
    const session = await newSession(t.http);
    for (const path of ['/auth/refresh-token', '/AUTH/Refresh-Token/']) {
      const res = await t.http
        .post(path)
        .set('Cookie', session.cookie)
        .set('Origin', EVIL)
        .set('Content-Type', 'text/plain')
        .send('{}');
      expectError(res, 403, 'ORIGIN_NOT_ALLOWED');
      expect(refreshCookieFrom(res)).toBeUndefined();
    }
    // the cookie was not rotated: it still rotates once, from the right origin
    expectSuccess(await refresh(session.cookie, APP_URL));
    expect(await activeTokens(session)).toBe(1);
  });

  it('refuses a cross-site logout and a cookie revoke; the session lives on', async () => {
    const session = await newSession(t.http);
    const logout = await t.http
      .post('/auth/logout')
      .set('Authorization', bearer(session.accessToken))
      .set('Cookie', session.cookie)
      .set('Origin', EVIL);
    expectError(logout, 403, 'ORIGIN_NOT_ALLOWED');
    const revoke = await t.http
      .post('/auth/revoke-token')
      .set('Authorization', bearer(session.accessToken))
      .set('Cookie', session.cookie)
      .set('Origin', 'null')
      .send({});
    expectError(revoke, 403, 'ORIGIN_NOT_ALLOWED');
    expect(await meStatus(t.http, session.accessToken)).toBe(200);
    expect(await activeTokens(session)).toBe(1);
  });

  it('lets revoke-token with a token in its body through: it reads no cookie', async () => {
    const session = await newSession(t.http);
    const res = await t.http
      .post('/auth/revoke-token')
      .set('Authorization', bearer(session.accessToken))
      .set('Origin', EVIL)
      .send({ token: session.refreshToken });
    expect(expectSuccess(res)).toBe(true);
  });

  it('refuses any GraphQL operation from a foreign origin with HTTP 403 before it runs', async () => {
    const session = await newSession(t.http);
    const res = await t.http
      .post('/graphql')
      .set('Cookie', session.cookie)
      .set('Origin', EVIL)
      .send({ query: 'mutation { refreshToken { accessToken } }' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      errors: [
        expect.objectContaining({
          extensions: expect.objectContaining({
            code: 'FORBIDDEN',
            errorCode: 'ORIGIN_NOT_ALLOWED',
          }),
        }),
      ],
    });
    expect(refreshCookieFrom(res)).toBeUndefined();
    expect(await activeTokens(session)).toBe(1);
  });

  it("lets the service's own origin, APP_URL, CORS_ORIGINS and requests without Origin through", async () => {
    const session = await newSession(t.http);
    let cookie = session.cookie;
    const host = '127.0.0.1:3000';
    const own = await refresh(cookie).set('Host', host).set('Origin', `http://${host}`);
    cookie = refreshCookieFrom(expectOk(own))!;
    cookie = refreshCookieFrom(expectOk(await refresh(cookie, `${APP_URL}`)))!;
    cookie = refreshCookieFrom(expectOk(await refresh(cookie, CORS_ORIGIN)))!;
    cookie = refreshCookieFrom(expectOk(await refresh(cookie)))!;
    // behind a trusted proxy, the scheme the client used is X-Forwarded-Proto's
    const proxied = await refresh(cookie)
      .set('Host', 'auth.example.com')
      .set('X-Forwarded-Proto', 'https')
      .set('Origin', 'https://auth.example.com');
    expectOk(proxied);
  });

  it('takes the scheme from X-Forwarded-Proto only when TRUST_PROXY trusts the hop', async () => {
    const direct = await createTestApp({ TRUST_PROXY: 'false' });
    try {
      const session = await newSession(direct.http);
      const res = await direct.http
        .post('/auth/refresh-token')
        .set('Cookie', session.cookie)
        .set('Host', 'auth.example.com')
        .set('X-Forwarded-Proto', 'https')
        .set('Origin', 'https://auth.example.com');
      expectError(res, 403, 'ORIGIN_NOT_ALLOWED');
    } finally {
      await direct.close();
    }
  });
});

function expectOk<T extends { status: number }>(res: T): T {
  expect(res.status).toBe(200);
  return res;
}
