import { UNMATCHED_ROUTE } from '../../src/logging/request-serializers';
import { newSession, PASSWORD, refreshCookieFrom, uniqueUsername } from '../support/auth-helpers';
import { captureLogs } from '../support/log-capture';
import { createTestApp, TestApp } from '../support/test-app';

describe('structured logs', () => {
  const logs = captureLogs();
  const { lines, entries } = logs;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      { AUTH_RATE_LIMIT: '3', REFRESH_REUSE_GRACE_SECONDS: '0' },
      logs.logger,
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

    const requests = entries().filter((entry) => entry.msg === 'request completed');
    expect(requests).toContainEqual(
      expect.objectContaining({
        level: 'info',
        req: { method: 'GET', route: '/users', ip: '127.0.0.1' },
        res: { statusCode: 401 },
        requestId: expect.any(String),
        responseTime: expect.any(Number),
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        req: expect.objectContaining({ method: 'POST', route: '/auth/change-password' }),
        res: { statusCode: 200 },
        userId: fresh.userId,
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        req: expect.objectContaining({ method: 'GET', route: '/users/:id' }),
        res: { statusCode: 200 },
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        req: expect.objectContaining({ method: 'POST', route: '/graphql' }),
        userId: fresh.userId,
      }),
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

  it('write one line per request, refused ones included, with the request id on every line', async () => {
    const requestId = 'log-request-id-1';
    await t.http
      .post('/auth/sign-in')
      .set('X-Request-Id', requestId)
      .send({ username: uniqueUsername('nobody'), password: 'wrong password 3' })
      .expect(401);
    const ofRequest = entries().filter((entry) => entry.requestId === requestId);
    // the request line, and Nest's Logger (SecurityLog) through the request's logger
    expect(ofRequest).toEqual([
      expect.objectContaining({ context: 'Security', event: 'sign-in-failed' }),
      expect.objectContaining({ msg: 'request completed', res: { statusCode: 401 } }),
    ]);

    // refused by the body parser, before any route ran
    await t.http
      .post('/auth/sign-in')
      .set('X-Request-Id', 'log-request-id-2')
      .set('Content-Type', 'application/json')
      .send('{"username": ')
      .expect(400);
    await t.http
      .get('/no/such/route?token=abc')
      .set('X-Request-Id', 'log-request-id-3')
      .expect(404);
    expect(
      entries().filter((entry) => /^log-request-id-[23]$/.test(String(entry.requestId))),
    ).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        req: { method: 'POST', route: '(unmatched)', ip: '127.0.0.1' },
        res: { statusCode: 400 },
      }),
      expect.objectContaining({
        msg: 'request completed',
        req: { method: 'GET', route: UNMATCHED_ROUTE, ip: '127.0.0.1' },
        res: { statusCode: 404 },
      }),
    ]);
    expect(lines.every((line) => line.endsWith('}\n'))).toBe(true);
    // one requestId a line: bound to the request's logger, or set by the request line, never both
    expect(lines.filter((line) => line.split('"requestId"').length > 2)).toEqual([]);
  });
});
