import { JsonLogger } from '../../src/logging/json-logger';
import { newSession, PASSWORD, refreshCookieFrom, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';

describe('structured logs', () => {
  const lines: string[] = [];
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      { AUTH_RATE_LIMIT: '3', REFRESH_REUSE_GRACE_SECONDS: '0' },
      new JsonLogger((line) => lines.push(line)),
    );
  });
  afterAll(() => t.close());

  it('log every request and security event as JSON, and never a credential', async () => {
    const secrets: string[] = [PASSWORD];
    const session = await newSession(t.http);
    secrets.push(session.accessToken, session.refreshToken);
    const auth = { Authorization: `Bearer ${session.accessToken}` };

    await t.http
      .post('/auth/sign-in')
      .send({ username: session.username, password: 'wrong password 1' })
      .expect(401);
    secrets.push('wrong password 1');
    const refreshed = await t.http
      .post('/auth/refresh-token')
      .set('Cookie', session.cookie)
      .expect(200);
    const next = refreshCookieFrom(refreshed)!;
    secrets.push(refreshed.body.data.accessToken, next.slice(next.indexOf('=') + 1));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.http.post('/auth/refresh-token').set('Cookie', session.cookie).expect(401); // reuse: ends the session

    const other = await newSession(t.http);
    secrets.push(other.accessToken, other.refreshToken);
    await t.http
      .post('/auth/revoke-token')
      .set('Authorization', `Bearer ${other.accessToken}`)
      .set('Cookie', other.cookie)
      .send({})
      .expect(200);
    const fresh = await newSession(t.http);
    secrets.push(fresh.accessToken, fresh.refreshToken, 'brand new password');
    await t.http
      .post('/auth/change-password')
      .set('Authorization', `Bearer ${fresh.accessToken}`)
      .send({ currentPassword: PASSWORD, newPassword: 'brand new password' })
      .expect(200);
    await t.http.get('/users').set(auth).expect(401);
    const limitedName = uniqueUsername('limit');
    for (let i = 0; i < 4; i++)
      await t.http
        .post('/auth/sign-in')
        .send({ username: limitedName, password: 'wrong password 2' });

    await t.http
      .get(`/users/${fresh.userId}`)
      .set('Authorization', `Bearer ${fresh.accessToken}`)
      .expect(200);
    await t.http
      .post('/graphql')
      .send({ query: '{ me { id } }' })
      .set('Authorization', `Bearer ${fresh.accessToken}`)
      .expect(200);

    const log = lines.join('');
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(log).not.toMatch(/\$2[aby]\$/); // bcrypt hashes

    const requests = entries().filter((entry) => entry.msg === 'request');
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        route: '/users',
        status: 401,
        requestId: expect.any(String),
        durationMs: expect.any(Number),
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        route: '/auth/change-password',
        status: 200,
        userId: fresh.userId,
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'GET', route: '/users/:id', status: 200 }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', route: '/graphql', userId: fresh.userId }),
    );

    const events = entries()
      .map((entry) => entry.event)
      .filter(Boolean);
    expect(events).toEqual(
      expect.arrayContaining([
        'sign-in-failed',
        'refresh-reuse-detected',
        'session-revoked',
        'password-changed',
        'rate-limited',
      ]),
    );
  });
});
