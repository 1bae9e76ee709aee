import { newSession, PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectFieldError, expectSuccess, ISO_DATE } from './rest-helpers';

describe('REST envelope and error mapping', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('success envelope', () => {
    it('wraps GET /health in the envelope', async () => {
      const res = await t.http.get('/health').expect(200);
      expect(res.body).toEqual({
        success: true,
        statusCode: 200,
        data: expect.objectContaining({ status: 'ok' }),
        path: '/health',
        timestamp: expect.stringMatching(ISO_DATE),
        requestId: res.headers['x-request-id'],
      });
      expect(res.body.requestId).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    });

    it('reports 201 in statusCode for a sign-up', async () => {
      const res = await t.http
        .post('/auth/sign-up')
        .send({ username: uniqueUsername(), password: PASSWORD });
      expectSuccess(res, 201);
      expect(res.body.path).toBe('/auth/sign-up');
    });

    it('generates a different request id for each request without one', async () => {
      const [a, b] = await Promise.all([t.http.get('/health'), t.http.get('/health')]);
      expect(a.body.requestId).not.toBe(b.body.requestId);
    });
  });

  describe('error envelope', () => {
    it('answers an unknown route with 404 NOT_FOUND', async () => {
      const res = await t.http.get('/no/such/route');
      const error = expectError(res, 404, 'NOT_FOUND');
      expect(error.details).toEqual([]);
      expect(res.body).toEqual({
        success: false,
        statusCode: 404,
        error: { code: 'NOT_FOUND', message: expect.any(String), details: [] },
        path: '/no/such/route',
        timestamp: expect.stringMatching(ISO_DATE),
        requestId: res.headers['x-request-id'],
      });
    });

    it('answers an unknown method on a known path with 404 NOT_FOUND', async () => {
      expectError(await t.http.delete('/auth/sign-in'), 404, 'NOT_FOUND');
    });

    it('answers a missing bearer token with 401 UNAUTHORIZED and empty details', async () => {
      const res = await t.http.get('/auth/me');
      expect(expectError(res, 401, 'UNAUTHORIZED').details).toEqual([]);
      expect(res.body.path).toBe('/auth/me');
    });

    it('lists field errors as { field, message } for validation failures', async () => {
      const res = await t.http.post('/auth/sign-up').send({ username: 'ab', password: 'short' });
      const error = expectFieldError(res, 'username');
      expect(error.details.map((detail) => detail.field)).toEqual(
        expect.arrayContaining(['username', 'password']),
      );
      for (const detail of error.details) expect(detail.message.length).toBeGreaterThan(0);
    });

    it('refuses unknown fields with a field error naming them', async () => {
      const res = await t.http
        .post('/auth/sign-up')
        .send({ username: uniqueUsername(), password: PASSWORD, role: 'admin' });
      expectFieldError(res, 'role');
    });

    it('answers malformed JSON with 400 VALIDATION_ERROR in the envelope', async () => {
      const res = await t.http
        .post('/auth/sign-in')
        .set('Content-Type', 'application/json')
        .send('{"username": "abc", "password": ');
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(res.body.path).toBe('/auth/sign-in');
    });

    it('answers a body over BODY_LIMIT (default 16kb) with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await t.http
        .post('/auth/sign-up')
        .send({ username: uniqueUsername(), password: 'x'.repeat(17 * 1024) });
      expect(expectError(res, 413, 'PAYLOAD_TOO_LARGE').details).toEqual([]);
    });

    it('never sends a stack trace', async () => {
      const responses = await Promise.all([
        t.http.get('/nope'),
        t.http.post('/auth/sign-in').set('Content-Type', 'application/json').send('{'),
        t.http.get('/users/not-an-id').set('Authorization', bearer('x.y.z')),
      ]);
      for (const res of responses) {
        expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.(js|ts):\d+/i);
      }
    });
  });

  describe('X-Request-Id', () => {
    it.each([
      ['short', 'abc'],
      ['every allowed character class', 'A-Z.a_z-0.9'],
      ['128 characters', 'x'.repeat(128)],
      ['a UUID', '0b8c6a9e-2f7d-4e0a-9a51-3c1d2e4f5a6b'],
    ])('echoes a valid client id (%s) on success', async (_what, id) => {
      const res = await t.http.get('/health').set('X-Request-Id', id).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
      expect(res.body.requestId).toBe(id);
    });

    it('echoes a valid client id on errors, including body-parser and 413 errors', async () => {
      const id = 'client.req-42_x';
      const responses = await Promise.all([
        t.http.get('/nope').set('X-Request-Id', id),
        t.http
          .post('/auth/sign-in')
          .set('X-Request-Id', id)
          .set('Content-Type', 'application/json')
          .send('{oops'),
        t.http
          .post('/auth/sign-up')
          .set('X-Request-Id', id)
          .send({ username: 'abc', password: 'y'.repeat(20_000) }),
        t.http.get('/auth/me').set('X-Request-Id', id),
      ]);
      expect(responses.map((res) => res.status)).toEqual([404, 400, 413, 401]);
      for (const res of responses) {
        expect(res.headers['x-request-id']).toBe(id);
        expect(res.body.requestId).toBe(id);
      }
    });

    it.each([
      ['too long', 'x'.repeat(129)],
      ['a space', 'has space'],
      ['a slash', 'a/b'],
      ['a semicolon', 'a;b'],
      ['a colon', 'a:b'],
      ['empty', ''],
    ])('replaces a client id with %s', async (_what, id) => {
      for (const path of ['/health', '/nope']) {
        const res = await t.http.get(path).set('X-Request-Id', id);
        expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
        expect(res.headers['x-request-id']).not.toBe(id);
        expect(res.body.requestId).toBe(res.headers['x-request-id']);
      }
    });
  });

  it('GET /health answers 200 without a token', async () => {
    const res = await t.http.get('/health');
    expect(expectSuccess<{ status: string }>(res).status).toBe('ok');
  });

  it('an authenticated success carries the same envelope', async () => {
    const session = await newSession(t.http);
    const res = await t.http
      .get('/users')
      .query({ limit: 1 })
      .set('Authorization', bearer(session.accessToken))
      .set('X-Request-Id', 'list-1');
    expect(Array.isArray(expectSuccess(res))).toBe(true);
    expect(res.body.requestId).toBe('list-1');
  });
});

// a sibling of the suite above, not nested in it: two live apps in one process share passport's
// global 'jwt' strategy, so the app created last would verify the other's tokens
describe('REST envelope with BODY_LIMIT=1kb', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await createTestApp({ BODY_LIMIT: '1kb' });
  });
  afterAll(() => small.close());

  it('refuses a body over the configured limit with 413 and reads one under it', async () => {
    const over = await small.http
      .post('/auth/sign-up')
      .send({ username: uniqueUsername(), password: 'x'.repeat(1100) });
    expectError(over, 413, 'PAYLOAD_TOO_LARGE');
    const under = await small.http
      .post('/auth/sign-up')
      .send({ username: uniqueUsername(), password: 'x'.repeat(900) });
    expectFieldError(under, 'password');
  });
});
