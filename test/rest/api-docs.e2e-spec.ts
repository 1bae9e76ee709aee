import { createTestApp, TestApp } from '../support/test-app';

interface OpenApiOperation {
  security?: Record<string, string[]>[];
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

  it('declares a bearer scheme and a cookie scheme named after REFRESH_COOKIE_NAME', () => {
    const schemes = Object.values(doc.components.securitySchemes);
    expect(schemes).toContainEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    );
    expect(schemes).toContainEqual(
      expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'docs_rt' }),
    );
  });

  it.each(CONTRACT_ROUTES)('documents %s %s with its security', (method, path, bearer) => {
    const operation = doc.paths[path]?.[method];
    expect(operation).toBeDefined();
    const bearerName = Object.entries(doc.components.securitySchemes).find(
      ([, scheme]) => scheme.scheme === 'bearer',
    )![0];
    const secured = (operation.security ?? []).some((requirement) => bearerName in requirement);
    expect(secured).toBe(bearer);
    if (bearer) expect(operation.responses).toHaveProperty('401');
  });

  it('documents the cookie on the refresh route', () => {
    const cookieName = Object.entries(doc.components.securitySchemes).find(
      ([, scheme]) => scheme.in === 'cookie',
    )![0];
    const operation = doc.paths['/auth/refresh-token'].post;
    expect((operation.security ?? []).some((requirement) => cookieName in requirement)).toBe(true);
  });
});
