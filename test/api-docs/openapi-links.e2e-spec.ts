import { PASSWORD, signIn, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, meStatus } from '../rest/rest-helpers';

/**
 * The OpenAPI links are what the fuzzer's stateful phase chains (scripts/fuzz.sh): each one is
 * followed here, the way a client or Schemathesis reads it, and must lead to a success.
 */

interface Link {
  operationId: string;
  parameters?: Record<string, string>;
  requestBody?: Record<string, string>;
}
interface Operation {
  operationId: string;
  responses: Record<string, { links?: Record<string, Link> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** One request and its answer, as runtime expressions read them. */
interface Exchange {
  operation: string;
  path: Record<string, string>;
  requestBody: unknown;
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

function pointer(document: unknown, path: string): unknown {
  return path
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

/** The runtime expressions the document uses: body pointers, path parameters, a header regex. */
function evaluate(expression: string, source: Exchange): unknown {
  let match = /^\$response\.body#(.*)$/.exec(expression);
  if (match) return pointer(source.body, match[1]);
  match = /^\$request\.body#(.*)$/.exec(expression);
  if (match) return pointer(source.requestBody, match[1]);
  match = /^\$request\.path\.(\w+)$/.exec(expression);
  if (match) return source.path[match[1]];
  match = /^\$response\.header\.([\w-]+)#regex:(.*)$/.exec(expression);
  if (match) {
    const header = ([] as string[]).concat(source.headers[match[1].toLowerCase()] ?? []).join(', ');
    return new RegExp(match[2]).exec(header)?.[1];
  }
  throw new Error(`unsupported expression ${expression}`);
}

describe('OpenAPI links', () => {
  const ADMIN = { username: 'links.admin', password: 'the admin password' };
  let t: TestApp;
  let document: Document;
  let byId: Map<string, { method: string; path: string; operation: Operation }>;
  let adminToken: string;
  const followed = new Set<string>();

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    document = (await t.http.get('/api-docs-json').expect(200)).body;
    byId = new Map(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => [
          operation.operationId,
          { method, path, operation },
        ]),
      ),
    );
    adminToken = (await signIn(t.http, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(() => t.close());

  async function send(
    operationId: string,
    path: Record<string, string>,
    requestBody: unknown,
    token?: string,
  ): Promise<Exchange> {
    const { method, path: template } = byId.get(operationId)!;
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => path[name]);
    let request = t.http[method as 'get' | 'post' | 'patch' | 'delete'](url);
    if (token !== undefined) request = request.set('Authorization', bearer(token));
    const res = await (requestBody === undefined ? request : request.send(requestBody as object));
    return {
      operation: operationId,
      path,
      requestBody,
      status: res.status,
      body: res.body,
      headers: res.headers,
    };
  }

  /** Follows the link `name` of the source's answer, adding `body` to what the link sets. */
  async function follow(
    source: Exchange,
    name: string,
    token?: string,
    body?: object,
  ): Promise<Exchange> {
    const link = byId.get(source.operation)!.operation.responses[String(source.status)]?.links?.[
      name
    ];
    if (link === undefined) throw new Error(`${source.operation} ${source.status} has no ${name}`);
    followed.add(`${source.operation}.${name}`);
    const path: Record<string, string> = {};
    for (const [parameter, expression] of Object.entries(link.parameters ?? {}))
      path[parameter.replace(/^path\./, '')] = evaluate(expression, source) as string;
    const linkedBody =
      link.requestBody &&
      Object.fromEntries(
        Object.entries(link.requestBody).map(([field, expression]) => [
          field,
          evaluate(expression, source),
        ]),
      );
    const requestBody =
      linkedBody === undefined && body === undefined ? undefined : { ...linkedBody, ...body };
    return send(link.operationId, path, requestBody, token);
  }

  const accessToken = (exchange: Exchange) =>
    (exchange.body as { data: { accessToken: string } }).data.accessToken;

  it('lead from a new user to reading, changing and deleting it, and to its sign-in', async () => {
    const credentials = { username: uniqueUsername('link'), password: PASSWORD };
    const signedUp = await send('AuthController_signUp', {}, credentials);
    expect(signedUp.status).toBe(201);
    expect((await follow(signedUp, 'GetUser', adminToken)).status).toBe(200);
    const updated = await follow(signedUp, 'UpdateUser', adminToken, { disabled: true });
    expect(updated.status).toBe(200);
    await follow(signedUp, 'UpdateUser', adminToken, { disabled: false });
    expect((await follow(signedUp, 'SignIn')).status).toBe(200);
    expect((await follow(signedUp, 'DeleteUser', adminToken)).status).toBe(200);
  });

  it('lead from a sign-in to its sessions, one of which is revoked, and to revoking its token', async () => {
    const credentials = { username: uniqueUsername('link'), password: PASSWORD };
    const signedUp = await send('AuthController_signUp', {}, credentials);
    const first = await follow(signedUp, 'SignIn');
    const second = await follow(signedUp, 'SignIn');
    const token = accessToken(first);

    const sessions = await follow(first, 'ListSessions', token);
    expect(sessions.status).toBe(200);
    expect((await follow(first, 'ListRefreshTokens', token)).status).toBe(200);
    // the newest session first: the second sign-in's
    expect((await follow(sessions, 'RevokeSession', token)).status).toBe(200);
    expect(await meStatus(t.http, accessToken(second))).toBe(401);

    expect((await follow(first, 'RevokeToken', token)).status).toBe(200);
    expect(await meStatus(t.http, token)).toBe(401);
  });

  it('lead from a refresh to revoking the token it set', async () => {
    const user = await send(
      'AuthController_signUp',
      {},
      {
        username: uniqueUsername('link'),
        password: PASSWORD,
      },
    );
    const session = await follow(user, 'SignIn');
    const cookie = ([] as string[]).concat(session.headers['set-cookie'] ?? []);
    const res = await t.http.post('/auth/refresh-token').set('Cookie', cookie);
    const refreshed: Exchange = {
      operation: 'AuthController_refreshToken',
      path: {},
      requestBody: undefined,
      status: res.status,
      body: res.body,
      headers: res.headers,
    };
    expect((await follow(refreshed, 'RevokeToken', accessToken(refreshed))).status).toBe(200);
    expectError(
      await t.http.post('/auth/refresh-token').set('Cookie', res.headers['set-cookie']),
      401,
      'INVALID_REFRESH_TOKEN',
    );
  });

  it('lead from the caller to its own listings and to deleting its account', async () => {
    const user = await send(
      'AuthController_signUp',
      {},
      {
        username: uniqueUsername('link'),
        password: PASSWORD,
      },
    );
    const token = accessToken(await follow(user, 'SignIn'));
    const me = await send('AuthController_me', {}, undefined, token);
    for (const name of ['ListSessions', 'ListRefreshTokens', 'ListSecurityEvents'])
      expect({ name, status: (await follow(me, name, token)).status }).toEqual({
        name,
        status: 200,
      });
    expect((await follow(me, 'DeleteAccount', token)).status).toBe(200);
    expect(await meStatus(t.http, token)).toBe(401);
  });

  it('are all followed above', () => {
    const documented = Object.values(document.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) =>
        Object.values(operation.responses).flatMap((response) =>
          Object.keys(response.links ?? {}).map((name) => `${operation.operationId}.${name}`),
        ),
      );
    expect([...followed].sort()).toEqual([...new Set(documented)].sort());
  });
});
