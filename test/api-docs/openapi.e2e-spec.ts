import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSession, PASSWORD, signIn } from '../support/auth-helpers';
import { enrolMfa } from '../support/mfa-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectSuccess } from '../rest/rest-helpers';

const COMMITTED = join(__dirname, '..', '..', 'openapi.json');
const ADMIN = { username: 'openapi.admin', password: 'the admin password' };
const PUBLIC_OPERATIONS = [
  'GET /health',
  'GET /health/live',
  'POST /auth/sign-up',
  'POST /auth/sign-in',
  'POST /auth/mfa/verify',
  'POST /auth/refresh-token',
  'POST /auth/email/verify',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'GET /.well-known/jwks.json',
];

interface Example {
  value: { statusCode: number; path: string; error: { code: string } };
}
interface Response {
  content?: {
    'application/json'?: {
      examples?: Record<string, Example>;
      schema?: { allOf?: { properties?: Record<string, { example?: unknown }> }[] };
    };
  };
}
type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: { example?: string } }[];
  responses: Record<string, Response>;
};

/** The paths an answer may show: each path parameter an id (the examples' own ids). */
function concretePath(path: string): unknown {
  const pattern = path
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[0-9a-f]{24}');
  return expect.stringMatching(new RegExp(`^${pattern}$`));
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let served: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    // the committed document is written with the default configuration
    t = await createTestApp({
      NODE_ENV: 'development',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    served = (await t.http.get('/api-docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('matches the committed openapi.json (run `npm run openapi` after changing the API)', () => {
    expect(served).toEqual(JSON.parse(readFileSync(COMMITTED, 'utf8')));
  });

  it('documents bearer auth on exactly the routes the global guard protects', async () => {
    for (const [path, operations] of Object.entries(served.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        const documentedAsSecured = (operation.security ?? []).some((scheme) => 'bearer' in scheme);
        expect({ name, documentedAsSecured }).toEqual({
          name,
          documentedAsSecured: !PUBLIC_OPERATIONS.includes(name),
        });
        if (documentedAsSecured) {
          const concretePath = path.replace('{id}', '665f1c2b9d3e4a0012ab34cd');
          const response = await t.http[method as 'get' | 'post'](concretePath);
          expect({ name, status: response.status }).toEqual({ name, status: 401 });
          expect(operation.responses['401']).toBeDefined();
        }
      }
    }
  });

  it("gives every error example its own status code, its code and its route's path", () => {
    let examples = 0;
    for (const [path, operations] of Object.entries(served.paths)) {
      for (const operation of Object.values(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          const documented = response.content?.['application/json']?.examples ?? {};
          expect({ path, status, codes: Object.keys(documented).length > 0 }).toEqual({
            path,
            status,
            codes: true,
          });
          for (const [code, example] of Object.entries(documented)) {
            examples += 1;
            expect({
              statusCode: example.value.statusCode,
              path: example.value.path,
              code,
            }).toEqual({
              statusCode: Number(status),
              path: concretePath(path),
              code: example.value.error.code,
            });
          }
        }
      }
    }
    expect(examples).toBeGreaterThan(30);
  });

  it("gives every success example its own status code and its route's path", () => {
    for (const [path, operations] of Object.entries(served.paths)) {
      for (const operation of Object.values(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const allOf = response.content?.['application/json']?.schema?.allOf;
          if (Number(status) >= 400 || allOf === undefined) continue;
          const shown = Object.assign({}, ...allOf.map((part) => part.properties ?? {})) as Record<
            string,
            { example?: unknown }
          >;
          expect({ statusCode: shown.statusCode?.example, path: shown.path?.example }).toEqual({
            statusCode: Number(status),
            path: concretePath(path),
          });
        }
      }
    }
  });

  it('prefills no path parameter in "Try it out": an example id would belong to nobody', () => {
    for (const [path, operations] of Object.entries(served.paths)) {
      for (const operation of Object.values(operations)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in !== 'path') continue;
          expect({ path, name: parameter.name, example: parameter.schema?.example }).toEqual({
            path,
            name: parameter.name,
            example: undefined,
          });
        }
      }
    }
  });

  it('documents the JWK Set outside the envelope, with its schema and Cache-Control', () => {
    const operation = served.paths['/.well-known/jwks.json'].get as Operation & {
      responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
    };
    const ok = operation.responses['200'] as {
      headers: Record<string, unknown>;
      content: Record<string, { schema: { $ref: string } }>;
    };
    expect(ok.content['application/json'].schema.$ref).toBe('#/components/schemas/JwkSet');
    expect(ok.headers).toHaveProperty('Cache-Control');
  });

  it('documents 429, 500 and 503 on every operation', () => {
    for (const operations of Object.values(served.paths)) {
      for (const operation of Object.values(operations)) {
        expect(operation.responses).toHaveProperty('429');
        expect(operation.responses).toHaveProperty('500');
        expect(operation.responses).toHaveProperty('503');
      }
    }
  });

  describe('says what the server checks (each found by the fuzzer, scripts/fuzz.sh)', () => {
    const component = (name: string) =>
      (served as unknown as { components: { schemas: Record<string, Record<string, unknown>> } })
        .components.schemas[name];
    const operation = (method: string, path: string) =>
      served.paths[path][method] as Operation & {
        requestBody?: { required?: boolean };
        'x-required-role'?: string;
      };

    it('PATCH /users/{id} needs role, disabled or both: an empty body is refused', async () => {
      expect(component('UpdateUserInput').minProperties).toBe(1);
      const admin = await signIn(t.http, ADMIN.username, ADMIN.password);
      const user = await newSession(t.http);
      const res = await t.http
        .patch(`/users/${user.userId}`)
        .set('Authorization', bearer(admin.accessToken))
        .send({});
      expectError(res, 400, 'VALIDATION_ERROR');
    });

    it('logout takes no body at all', async () => {
      expect(operation('post', '/auth/logout').requestBody?.required).toBe(false);
      const user = await newSession(t.http);
      const res = await t.http.post('/auth/logout').set('Authorization', bearer(user.accessToken));
      expect(expectSuccess(res)).toBe(true);
    });

    it("revoke-token's token may be null, which means none (the cookie's)", () => {
      const properties = component('RevokeTokenArgs').properties as Record<string, unknown>;
      expect(properties.token).toMatchObject({ type: 'string', nullable: true });
    });

    it('sign-in answers 403 ACCOUNT_DISABLED for the right password of a disabled account', async () => {
      expect(
        Object.keys(
          operation('post', '/auth/sign-in').responses['403'].content!['application/json']!
            .examples!,
        ),
      ).toEqual(['ACCOUNT_DISABLED', 'EMAIL_NOT_VERIFIED']);
      const admin = await signIn(t.http, ADMIN.username, ADMIN.password);
      const user = await newSession(t.http);
      await t.http
        .patch(`/users/${user.userId}`)
        .set('Authorization', bearer(admin.accessToken))
        .send({ disabled: true })
        .expect(200);
      const res = await t.http
        .post('/auth/sign-in')
        .send({ username: user.username, password: PASSWORD });
      expectError(res, 403, 'ACCOUNT_DISABLED');
    });

    it('sign-up documents 409 EMAIL_TAKEN beside USERNAME_TAKEN', () => {
      const conflict = served.paths['/auth/sign-up'].post.responses['409'];
      expect(Object.keys(conflict.content!['application/json']!.examples!)).toEqual([
        'USERNAME_TAKEN',
        'EMAIL_TAKEN',
      ]);
    });

    it('sign-in answers 401 MFA_REQUIRED carrying an mfaToken, shaped as the example says', async () => {
      const examples = operation('post', '/auth/sign-in').responses['401'].content![
        'application/json'
      ]!.examples!;
      expect(Object.keys(examples)).toEqual(['INVALID_CREDENTIALS', 'MFA_REQUIRED']);
      const user = await newSession(t.http);
      await enrolMfa(t.http, user.accessToken);
      const res = await t.http
        .post('/auth/sign-in')
        .send({ username: user.username, password: PASSWORD });
      const documented = examples.MFA_REQUIRED.value as unknown as { error: object };
      expect(Object.keys(expectError(res, 401, 'MFA_REQUIRED'))).toEqual(
        Object.keys(documented.error),
      );
    });

    it('marks the admin-only routes, which the fuzzer runs as an admin', () => {
      const adminOnly = Object.entries(served.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(
            ([, each]) => (each as { 'x-required-role'?: string })['x-required-role'] === 'admin',
          )
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      expect(adminOnly.sort()).toEqual(
        ['DELETE /users/{id}/mfa', 'PATCH /users/{id}', 'POST /users/{id}/password-reset'].sort(),
      );
    });
  });
});
