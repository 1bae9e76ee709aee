import { createTestApp, TestApp } from '../support/test-app';

interface OpenApiOperation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
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
});
