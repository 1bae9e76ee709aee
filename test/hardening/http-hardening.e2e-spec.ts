import { MAX_JSON_DEPTH } from '../../src/http/json-body';
import { newSession, PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';

describe('HTTP hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: 'https://app.example', BODY_LIMIT: '2kb' });
  });
  afterAll(() => t.close());

  it('sends helmet’s security headers and a strict Content-Security-Policy on API answers', async () => {
    const response = await t.http.get('/health/live').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['x-powered-by']).toBeUndefined();
    const csp = response.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('tells caches to keep no answer: tokens, user data and errors; the JWK Set alone is cacheable', async () => {
    const session = await newSession(t.http);
    const signIn = await t.http
      .post('/auth/sign-in')
      .send({ username: session.username, password: PASSWORD })
      .expect(200);
    const user = await t.http
      .get(`/users/${session.userId}`)
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(200);
    const refused = await t.http.get(`/users/${session.userId}`).expect(401);
    for (const response of [signIn, user, refused]) {
      expect(response.headers['cache-control']).toBe('no-store');
    }
    const jwks = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
  });

  it('keeps Swagger UI working under its CSP: its scripts and styles are served from this origin', async () => {
    const page = await t.http.get('/api-docs/').expect(200);
    const scripts = [...page.text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^https?:/);
      await t.http.get(`/api-docs/${src.replace(/^\.\//, '')}`).expect(200);
    }
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });

  it('allows credentialed CORS only for CORS_ORIGINS', async () => {
    const allowed = await t.http
      .options('/auth/sign-in')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const refused = await t.http
      .options('/auth/sign-in')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses JSON nested deeper than the limit before any handler, and accepts ordinary nesting', async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    const refused = await t.http
      .post('/auth/sign-in')
      .set('Content-Type', 'application/json')
      .send(deep)
      .expect(400);
    expect(refused.body.error).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'The request body is nested too deeply',
      details: [],
    });
    // brackets inside strings do not count
    const username = uniqueUsername('nest');
    await t.http
      .post('/auth/sign-up')
      .send({ username, password: `${'['.repeat(40)}x` })
      .expect(201);
  });

  it('refuses bodies over BODY_LIMIT with 413', async () => {
    const response = await t.http
      .post('/auth/sign-up')
      .send({ username: 'x'.repeat(3000), password: PASSWORD })
      .expect(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('takes client IPs from X-Forwarded-For only when TRUST_PROXY is set, right-most untrusted first', async () => {
    const listedIp = async (app: TestApp) => {
      const session = await newSession(app.http);
      await app.http
        .post('/auth/sign-in')
        .set('X-Forwarded-For', '6.6.6.6, 198.51.100.23')
        .send({ username: session.username, password: PASSWORD })
        .expect(200);
      const tokens = await app.http
        .get(`/users/${session.userId}/refresh-tokens`)
        .set('Authorization', `Bearer ${session.accessToken}`)
        .expect(200);
      return tokens.body.data[0].createdByIp as string;
    };
    expect(await listedIp(t)).not.toBe('198.51.100.23');
    // one trusted hop: the address it saw the client at is the right-most entry
    const proxied = await createTestApp({ TRUST_PROXY: '1' });
    try {
      expect(await listedIp(proxied)).toBe('198.51.100.23');
    } finally {
      await proxied.close();
    }
  });
});
