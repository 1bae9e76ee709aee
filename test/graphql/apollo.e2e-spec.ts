import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  print,
  printSchema,
} from 'graphql';
import { MeDocument, SignInDocument, SignUpDocument } from '../generated/graphql';
import { PASSWORD, uniqueUsername, setCookies } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import { createGraphqlApp, graphqlSession, GraphqlSession } from './support/graphql-app';
import { execute, onlyError, send } from './support/graphql-client';

const INTROSPECTION = { query: getIntrospectionQuery() };

describe('Apollo at /graphql outside production', () => {
  let t: TestApp;
  let session: GraphqlSession;
  beforeAll(async () => {
    t = await createGraphqlApp();
    session = await graphqlSession(t.http);
  });
  afterAll(() => t.close());

  it('serves Apollo Sandbox, which sends cookies, on GET /graphql (not the GraphQL Playground)', async () => {
    const response = await t.http.get('/graphql').set('Accept', 'text/html').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('EmbeddedSandbox');
    expect(response.text).toContain('"includeCookies":true');
    expect(response.text).not.toMatch(/GraphQL Playground/i);
  });

  it('answers introspection', async () => {
    const result = await send(t.http, INTROSPECTION);
    expect(result.errors).toBeUndefined();
    expect(result.response.status).toBe(200);
  });

  it('serves the schema committed in schema.gql', () => {
    const served = t.app.get(GraphQLSchemaHost).schema;
    const committed = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.gql'), 'utf8'));
    expect(printSchema(lexicographicSortSchema(served))).toBe(
      printSchema(lexicographicSortSchema(committed)),
    );
  });

  describe('CSRF prevention', () => {
    it('refuses a text/plain POST: the mutation does not run', async () => {
      const username = uniqueUsername('csrf');
      const body = JSON.stringify({
        query: print(SignUpDocument),
        variables: { input: { username, password: PASSWORD } },
      });
      const response = await t.http.post('/graphql').set('Content-Type', 'text/plain').send(body);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(response.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);

      const signIn = await execute(t.http, SignInDocument, {
        input: { username, password: PASSWORD },
      });
      expect(onlyError(signIn).extensions.errorCode).toBe('INVALID_CREDENTIALS');
    });

    it('refuses a GET without a preflight-forcing header', async () => {
      const response = await t.http.get('/graphql').query({ query: print(MeDocument) });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    });
  });

  it('answers bodies refused before Apollo (too large, malformed JSON) in GraphQL shape', async () => {
    const tooLarge = await t.http
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send({
        query: print(MeDocument),
        variables: { padding: 'x'.repeat(t.config.bodyLimitBytes) },
      });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toEqual({
      errors: [
        {
          message: expect.any(String),
          extensions: { code: 'PAYLOAD_TOO_LARGE', errorCode: 'PAYLOAD_TOO_LARGE', details: [] },
        },
      ],
    });

    const malformed = await t.http
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send('{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errorCode: 'VALIDATION_ERROR',
    });
  });

  it('refuses batched requests (an array body)', async () => {
    const response = await t.http
      .post('/graphql')
      .set('Content-Type', 'application/json')
      .send([{ query: print(MeDocument) }, { query: print(MeDocument) }]);
    expect(response.status).toBe(400);
    expect(response.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/batching/i),
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  describe('limits', () => {
    it('refuses a too deep operation with BAD_USER_INPUT before running it', async () => {
      const nested = (depth: number): string =>
        depth === 0 ? 'name' : `name ofType { ${nested(depth - 1)} }`;
      const result = await send(t.http, { query: `{ __type(name: "User") { ${nested(21)} } }` });
      expect(result.response.status).toBe(200);
      expect(onlyError(result).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
        details: [{ field: 'query', message: expect.stringMatching(/levels deep; at most 20/) }],
      });
    });

    it('refuses a too complex operation with BAD_USER_INPUT before running it', async () => {
      const username = uniqueUsername('complex');
      const signUps = Array.from(
        { length: 6 },
        (_, i) =>
          `a${i}: signUp(input: { username: "${username}${i}", password: "${PASSWORD}" }) { id }`,
      );
      const result = await send(t.http, { query: `mutation { ${signUps.join(' ')} }` });
      expect(result.response.status).toBe(200);
      expect(onlyError(result).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
        details: [
          { field: 'query', message: expect.stringMatching(/complexity is \d+; at most 10000/) },
        ],
      });
      const signIn = await execute(t.http, SignInDocument, {
        input: { username: `${username}0`, password: PASSWORD },
      });
      expect(onlyError(signIn).extensions.errorCode).toBe('INVALID_CREDENTIALS');
    });

    it('counts aliases: many cheap fields add up', async () => {
      const page = 'users(limit: 1000) { id username role createdAt updatedAt }';
      const result = await send(
        t.http,
        { query: `{ a: ${page} b: ${page} }` },
        { token: session.accessToken },
      );
      expect(onlyError(result).extensions.code).toBe('BAD_USER_INPUT');
    });

    it('weighs a list by its limit (100 when absent), nested lists too', async () => {
      const weigh = async (query: string) => {
        const result = await send(t.http, { query }, { token: session.accessToken });
        return result.errors?.[0]?.extensions.details?.[0]?.message ?? 'accepted';
      };
      const aliases = (count: number, field: string) =>
        `{ ${Array.from({ length: count }, (_, i) => `u${i}: ${field}`).join(' ')} }`;
      // 250 default pages of users: 250 × (1 + 100 × 1)
      expect(await weigh(aliases(250, 'users { id }'))).toBe(
        "The operation's complexity is 25250; at most 10000 is allowed",
      );
      expect(await weigh(aliases(250, 'users(limit: 1) { id }'))).toBe('accepted');
      expect(await weigh('{ users(limit: 1000) { id username role createdAt updatedAt } }')).toBe(
        'accepted',
      );
      // 1 + 100 × (1 + 1 + 100 × 1): each user's default page of tokens counts too
      expect(await weigh('{ users { id refreshTokens { id } } }')).toBe(
        "The operation's complexity is 10201; at most 10000 is allowed",
      );
      expect(await weigh('{ users(limit: 10) { id refreshTokens(limit: 10) { id } } }')).toBe(
        'accepted',
      );
    });
  });
});

describe('Apollo at /graphql in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createGraphqlApp({ NODE_ENV: 'production' });
  });
  afterAll(() => t.close());

  it('has no landing page', async () => {
    const response = await t.http.get('/graphql').set('Accept', 'text/html');
    expect(response.text).not.toContain('EmbeddedSandbox');
    expect(response.text).not.toMatch(/playground/i);
  });

  it('refuses introspection', async () => {
    const result = await send(t.http, INTROSPECTION);
    expect(result.data).toBeUndefined();
    expect(result.errors![0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('still serves operations, and sets a Secure cookie', async () => {
    const username = uniqueUsername();
    await execute(t.http, SignUpDocument, { input: { username, password: PASSWORD } });
    const { errors, response } = await execute(t.http, SignInDocument, {
      input: { username, password: PASSWORD },
    });
    expect(errors).toBeUndefined();
    expect(setCookies(response)[0]).toMatch(/; Secure/);
  });

  it('tells caches to store no answer: tokens, user data and errors alike', async () => {
    const username = uniqueUsername();
    const signUp = await execute(t.http, SignUpDocument, {
      input: { username, password: PASSWORD },
    });
    const signIn = await execute(t.http, SignInDocument, {
      input: { username, password: PASSWORD },
    });
    const me = await execute(t.http, MeDocument, undefined, {
      token: signIn.data!.signIn.accessToken,
    });
    const refused = await execute(t.http, MeDocument);
    for (const { response } of [signUp, signIn, me, refused]) {
      expect(response.headers['cache-control']).toBe('no-store');
    }
    expect(me.errors).toBeUndefined();
    expect(refused.errors).toBeDefined();
  });
});
