import { createTestApp, TestApp } from '../support/test-app';

interface OpenApiOperation {
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  info: { description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>> };
}

/** Every REST route of the contract, and whether it needs a bearer token. */
const CONTRACT_ROUTES: [method: string, path: string, bearer: boolean][] = [
  ['post', '/auth/sign-up', false],
  ['post', '/auth/sign-in', false],
  ['post', '/auth/refresh-token', false],
  ['post', '/auth/revoke-token', true],
  ['post', '/auth/logout', true],
  ['post', '/auth/change-password', true],
  ['get', '/auth/me', true],
  ['get', '/users', true],
  ['get', '/users/{id}', true],
  ['get', '/users/{id}/refresh-tokens', true],
  ['get', '/health', false],
];

describe('API docs', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    t = await createTestApp({ REFRESH_COOKIE_NAME: 'docs_rt' });
    const res = await t.http.get('/api-docs-json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body;
  });
  afterAll(() => t.close());

  it('redirects GET /docs to /api-docs', async () => {
    const res = await t.http.get('/docs');
    expect([301, 302, 303, 307, 308]).toContain(res.status);
    expect(res.headers.location).toBe('/api-docs');
    // every REST body is in the envelope: a redirect has none
    expect(res.text ?? '').toBe('');
    expect(res.headers['content-length']).toBe('0');
  });

  it('serves Swagger UI at GET /api-docs', async () => {
    const res = await t.http.get('/api-docs').redirects(2);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger/i);
  });

  it('serves an OpenAPI 3 document, not wrapped in the envelope', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc).not.toHaveProperty('success');
  });

  it('declares the bearer scheme only: the refresh cookie is no scheme to fill in under Authorize', () => {
    expect(doc.components.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
  });

  it.each(CONTRACT_ROUTES)('documents %s %s with its security', (method, path, bearer) => {
    const operation = doc.paths[path]?.[method];
    expect(operation).toBeDefined();
    // exactly what the server enforces: the bearer, with no alternative
    expect(operation.security ?? []).toEqual(bearer ? [{ bearer: [] }] : []);
    if (bearer) expect(operation.responses).toHaveProperty('401');
  });

  it('documents the refresh cookie, named after REFRESH_COOKIE_NAME, as a cookie parameter of exactly the routes that read it', () => {
    const readers = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) =>
          (operation.parameters ?? []).some((parameter) => parameter.in === 'cookie'),
        )
        .map(([method, operation]) => ({
          route: `${method.toUpperCase()} ${path}`,
          cookies: operation.parameters!.filter((parameter) => parameter.in === 'cookie'),
        })),
    );
    const cookie = { name: 'docs_rt', in: 'cookie', required: false };
    expect(readers).toEqual([
      { route: 'POST /auth/refresh-token', cookies: [expect.objectContaining(cookie)] },
      { route: 'POST /auth/revoke-token', cookies: [expect.objectContaining(cookie)] },
      { route: 'POST /auth/logout', cookies: [expect.objectContaining(cookie)] },
    ]);
  });

  it("names each setting with this server's value, here and in the pages it links", () => {
    expect(doc.paths['/auth/change-password'].post.description).toContain(
      'no older than 10 minutes (FRESH_LOGIN_MAX_AGE)',
    );
    expect(doc.paths['/users/{id}/sessions/{sessionId}'].delete.description).toContain(
      'within 5 seconds (SESSION_CHECK_CACHE_SECONDS)',
    );
    expect(doc.paths['/.well-known/jwks.json'].get.description).toContain(
      'signs with ES256 (JWT_ALGORITHM)',
    );
    expect(doc.info.description).toContain('`docs_rt`');
    // a setting is never named without its value
    const descriptions = JSON.stringify(doc).replace(/\([A-Z_]+\)/g, '');
    expect(descriptions).not.toMatch(
      /FRESH_LOGIN_MAX_AGE|SESSION_CHECK_CACHE_SECONDS|SESSION_MAX_LIFETIME|JWT_ALGORITHM|JWT_ACCESS_TTL/,
    );
  });

  it('answers /favicon.ico with an icon', async () => {
    const res = await t.http.get('/favicon.ico').expect(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });
});

describe('GraphiQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves the page and its files, every script a file of this server (CSP script-src self)', async () => {
    const page = await t.http.get('/graphiql').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
    const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) expect(attributes).toMatch(/ src="\/graphiql\/[\w.-]+"/);
    const files = [...page.text.matchAll(/(?:src|href)="(\/graphiql\/[\w.-]+)"/g)].map(
      (match) => match[1],
    );
    expect(files).toHaveLength(5);
    for (const file of files) {
      const res = await t.http.get(file);
      expect({ file, status: res.status }).toEqual({ file, status: 200 });
      expect(res.headers['content-type']).toMatch(/^text\/(javascript|css)/);
    }
  });

  it('serves only those files: nothing else of the packages or the disk', async () => {
    for (const path of [
      '/graphiql/package.json',
      '/graphiql/graphiql.js',
      '/graphiql/..%2Fpackage.json',
      '/graphiql/%2e%2e/%2e%2e/package.json',
      '/graphiql/start.js/..',
    ]) {
      const res = await t.http.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('links GraphiQL from the Apollo Sandbox page, for when Sandbox cannot load', async () => {
    const res = await t.http.get('/graphql').set('Accept', 'text/html').expect(200);
    expect(res.text).toMatch(/<div class="fallback">[\s\S]*<a href="\/graphiql">[\s\S]*<\/div>/);
  });

  it('is not served in production', async () => {
    const production = await createTestApp({ NODE_ENV: 'production' });
    try {
      for (const path of ['/graphiql', '/graphiql/start.js', '/graphiql/graphiql.min.js']) {
        const res = await production.http.get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
      }
    } finally {
      await production.close();
    }
  });
});
