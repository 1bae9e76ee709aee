import { RefreshTokenDocument, SignInDocument, VerifyMfaDocument } from '../generated/graphql';
import { execute, onlyError } from '../graphql/support/graphql-client';
import {
  newSession,
  PASSWORD,
  refreshCookieFrom,
  signIn,
  signUp,
  uniqueUsername,
} from '../support/auth-helpers';
import { enrolMfa, startMfaSignIn } from '../support/mfa-helpers';
import { sampleValue, scrape } from '../support/prometheus';
import { createTestApp, TestApp } from '../support/test-app';

const ADMIN = { username: 'metrics.admin', password: 'metrics admin password' };
const METRICS_TOKEN = 'scrape-token-for-the-metrics-test';

/** How far `sample` has moved since the exposition `before`. */
async function movedSince(
  before: string,
  t: TestApp,
  sample: string,
  token?: string,
): Promise<number> {
  return (
    (sampleValue(await scrape(t.http, token), sample) ?? NaN) - (sampleValue(before, sample) ?? NaN)
  );
}

describe('GET /metrics', () => {
  describe('with METRICS_ENABLED unset', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('does not exist: 404 in the envelope, like any unknown route', async () => {
      const response = await t.http.get('/metrics').expect(404);
      expect(response.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    });
  });

  describe('with METRICS_ENABLED=true and METRICS_TOKEN', () => {
    let t: TestApp;
    let before: string;
    const delta = (sample: string) => movedSince(before, t, sample, METRICS_TOKEN);

    beforeAll(async () => {
      t = await createTestApp({
        METRICS_ENABLED: 'true',
        METRICS_TOKEN,
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
      });
    });
    afterAll(() => t.close());
    beforeEach(async () => {
      before = await scrape(t.http, METRICS_TOKEN);
    });

    it('needs the bearer token: 401 in the envelope without it or with another', async () => {
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${METRICS_TOKEN}`]) {
        let request = t.http.get('/metrics');
        if (authorization !== undefined) request = request.set('Authorization', authorization);
        const response = await request.expect(401);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        expect(response.body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
      }
    });

    it('declares every counter and result from start-up, and the process defaults', () => {
      const declared = {
        auth_sign_in_total: [
          'success',
          'invalid_credentials',
          'mfa_required',
          'throttled',
          'disabled',
          'email_not_verified',
        ],
        auth_refresh_total: ['rotated', 'grace', 'reused', 'invalid', 'expired'],
        auth_mfa_total: ['success', 'invalid_code', 'invalid_token', 'throttled'],
      };
      for (const [metric, results] of Object.entries(declared)) {
        expect(before).toContain(`# TYPE ${metric} counter`);
        for (const result of results)
          expect(sampleValue(before, `${metric}{result="${result}"}`)).toEqual(expect.any(Number));
      }
      for (const layer of ['ip_username', 'ip', 'account', 'device', 'api'])
        expect(sampleValue(before, `auth_rate_limited_total{layer="${layer}"}`)).toEqual(
          expect.any(Number),
        );
      expect(before).toContain('# TYPE http_request_duration_seconds histogram');
      expect(before).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect(before).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    });

    it('counts sign-ins by result on both faces', async () => {
      const username = uniqueUsername('metered');
      const userId = await signUp(t.http, username);
      await signIn(t.http, username);
      const graphql = await execute(t.http, SignInDocument, {
        input: { username, password: PASSWORD },
      });
      expect(graphql.errors).toBeUndefined();
      await t.http.post('/auth/sign-in').send({ username, password: 'wrong password' }).expect(401);
      const admin = await signIn(t.http, ADMIN.username, ADMIN.password);
      await t.http
        .patch(`/users/${userId}`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ disabled: true })
        .expect(200);
      const disabled = await execute(t.http, SignInDocument, {
        input: { username, password: PASSWORD },
      });
      expect(onlyError(disabled).extensions.errorCode).toBe('ACCOUNT_DISABLED');

      expect(await delta('auth_sign_in_total{result="success"}')).toBe(3);
      expect(await delta('auth_sign_in_total{result="invalid_credentials"}')).toBe(1);
      expect(await delta('auth_sign_in_total{result="disabled"}')).toBe(1);
    });

    it('counts second steps by result on both faces, and MFA_REQUIRED as a sign-in result', async () => {
      const session = await newSession(t.http);
      const { authenticator, recoveryCodes } = await enrolMfa(t.http, session.accessToken);
      const mfaToken = await startMfaSignIn(t.http, session.username);
      await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken, code: authenticator.wrongCode() })
        .expect(401);
      await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken: 'unknown', code: '123456' })
        .expect(401);
      const graphql = await execute(t.http, VerifyMfaDocument, {
        input: { mfaToken, code: recoveryCodes[0] },
      });
      expect(graphql.errors).toBeUndefined();

      expect(await delta('auth_sign_in_total{result="mfa_required"}')).toBe(1);
      expect(await delta('auth_mfa_total{result="success"}')).toBe(1);
      expect(await delta('auth_mfa_total{result="invalid_code"}')).toBe(1);
      expect(await delta('auth_mfa_total{result="invalid_token"}')).toBe(1);
    });

    it('counts refreshes by result: rotated, grace, reused, invalid', async () => {
      const session = await newSession(t.http);
      const rotated = await t.http
        .post('/auth/refresh-token')
        .set('Cookie', session.cookie)
        .expect(200);
      // the same token again, within the grace window: an access token, no new cookie
      const grace = await execute(t.http, RefreshTokenDocument, undefined, {
        cookie: session.cookie,
      });
      expect(grace.errors).toBeUndefined();
      const next = refreshCookieFrom(rotated)!;
      await t.http.post('/auth/refresh-token').set('Cookie', next).expect(200);
      // the first token is now a grandparent: theft
      await t.http.post('/auth/refresh-token').set('Cookie', session.cookie).expect(401);
      await t.http.post('/auth/refresh-token').expect(401);

      expect(await delta('auth_refresh_total{result="rotated"}')).toBe(2);
      expect(await delta('auth_refresh_total{result="grace"}')).toBe(1);
      expect(await delta('auth_refresh_total{result="reused"}')).toBe(1);
      expect(await delta('auth_refresh_total{result="invalid"}')).toBe(1);
    });

    it('times requests by route template, and no label holds a username, id, IP or token', async () => {
      const username = uniqueUsername('labelled');
      const session = await newSession(t.http, username);
      await t.http
        .get(`/users/${session.userId}`)
        .set('Authorization', `Bearer ${session.accessToken}`)
        .expect(200);
      await t.http.get(`/no/such/${session.refreshToken}`).expect(404);

      const exposition = await scrape(t.http, METRICS_TOKEN);
      expect(
        sampleValue(
          exposition,
          'http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"}',
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sampleValue(
          exposition,
          'http_request_duration_seconds_count{method="GET",route="(unmatched)",status="404"}',
        ),
      ).toBeGreaterThanOrEqual(1);
      for (const secret of [
        username,
        session.userId,
        session.refreshToken,
        session.accessToken,
        '198.51.100',
        '127.0.0.1',
        METRICS_TOKEN,
      ])
        expect(exposition).not.toContain(secret);
    });
  });

  describe('with METRICS_ENABLED=true, no token, and every brute-force layer on', () => {
    let t: TestApp;
    let before: string;
    const delta = (sample: string) => movedSince(before, t, sample);

    beforeAll(async () => {
      t = await createTestApp({
        METRICS_ENABLED: 'true',
        TRUST_PROXY: 'loopback',
        AUTH_RATE_LIMIT: '2',
        AUTH_IP_RATE_LIMIT: '4',
        ACCOUNT_LOCKOUT_THRESHOLD: '2',
        API_RATE_LIMIT: '3',
      });
    });
    afterAll(() => t.close());
    beforeEach(async () => {
      before = await scrape(t.http);
    });

    it('answers the Prometheus text format, outside the envelope and the rate limit', async () => {
      // API_RATE_LIMIT is 3 a minute for each client: scrapes never count against it
      for (let i = 0; i < 5; i++) {
        const response = await t.http.get('/metrics').expect(200);
        expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
        expect(response.text).toMatch(/^# HELP /);
      }
    });

    it('counts a throttled sign-in as throttled and under the layer that refused it', async () => {
      // the account throttle: 2 failures of one username, then 429 from any client
      const throttled = uniqueUsername('throttled');
      await signUp(t.http, throttled);
      const attempt = (ip: string, username: string) =>
        t.http
          .post('/auth/sign-in')
          .set('X-Forwarded-For', ip)
          .send({ username, password: 'wrong password' });
      expect((await attempt('198.51.100.1', throttled)).status).toBe(401);
      expect((await attempt('198.51.100.2', throttled)).status).toBe(401);
      expect((await attempt('198.51.100.3', throttled)).status).toBe(429);
      // AUTH_RATE_LIMIT: 2 per client IP and username
      const pair = uniqueUsername('pair');
      expect((await attempt('198.51.100.4', pair)).status).toBe(401);
      expect((await attempt('198.51.100.4', pair)).status).toBe(401);
      expect((await attempt('198.51.100.4', pair)).status).toBe(429);
      // AUTH_IP_RATE_LIMIT: 4 per client IP, whatever the username (GraphQL)
      for (let i = 0; i < 4; i++) await attempt('198.51.100.5', uniqueUsername('spray'));
      const sprayed = await execute(
        t.http,
        SignInDocument,
        { input: { username: uniqueUsername('spray'), password: 'wrong password' } },
        { headers: { 'X-Forwarded-For': '198.51.100.5' } },
      );
      expect(onlyError(sprayed).extensions.code).toBe('TOO_MANY_REQUESTS');
      // API_RATE_LIMIT: 3 requests per client IP elsewhere
      for (let i = 0; i < 3; i++)
        await t.http.get('/health/live').set('X-Forwarded-For', '198.51.100.6').expect(200);
      await t.http.get('/health/live').set('X-Forwarded-For', '198.51.100.6').expect(429);

      expect(await delta('auth_sign_in_total{result="throttled"}')).toBe(3);
      expect(await delta('auth_rate_limited_total{layer="account"}')).toBe(1);
      expect(await delta('auth_rate_limited_total{layer="ip_username"}')).toBe(1);
      expect(await delta('auth_rate_limited_total{layer="ip"}')).toBe(1);
      expect(await delta('auth_rate_limited_total{layer="api"}')).toBe(1);
    });
  });
});
