import { Logger } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { print } from 'graphql';
import type { Connection } from 'mongoose';
import { MAX_VALIDATION_ERRORS } from '../../src/graphql/graphql-options';
import { UsersService } from '../../src/users/users.service';
import { SignInDocument, SignUpDocument, UsersDocument } from '../generated/graphql';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import { createGraphqlApp, graphqlSession, GraphqlSession } from './support/graphql-app';
import { execute, onlyError, send } from './support/graphql-client';

describe('GraphQL errors', () => {
  let t: TestApp;
  let session: GraphqlSession;
  beforeAll(async () => {
    t = await createGraphqlApp();
    session = await graphqlSession(t.http);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  describe('variables of the wrong shape', () => {
    it('are BAD_USER_INPUT naming the field: wrong types, unknown fields, operators', async () => {
      const cases: { query: string; variables: Record<string, unknown>; field: string }[] = [
        { query: print(UsersDocument), variables: { limit: 'ten' }, field: 'limit' },
        {
          query: print(SignUpDocument),
          variables: { input: { username: uniqueUsername(), password: PASSWORD, role: 'admin' } },
          field: 'input.role',
        },
        {
          query: print(SignInDocument),
          variables: { input: { username: { $ne: null }, password: PASSWORD } },
          field: 'input.username',
        },
        { query: print(SignInDocument), variables: {}, field: 'input' },
      ];
      for (const { query, variables, field } of cases) {
        const result = await send(t.http, { query, variables }, { token: session.accessToken });
        expect(result.response.status).toBe(400);
        const error = onlyError(result);
        expect(error.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          errorCode: 'VALIDATION_ERROR',
          details: [{ field, message: error.message }],
        });
        expect(error.extensions).not.toHaveProperty('stacktrace');
      }
    });

    it('a query that does not fit the schema is GRAPHQL_VALIDATION_FAILED', async () => {
      const result = await send(
        t.http,
        { query: '{ users { password } }' },
        { token: session.accessToken },
      );
      expect(result.response.status).toBe(400);
      expect(onlyError(result).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('answers at most a few validation errors, however often a mistake repeats', async () => {
      const skips = Array.from({ length: 500 }, () => '@skip(if: false)').join(' ');
      const result = await send(
        t.http,
        { query: `{ me ${skips} { id } }` },
        { token: session.accessToken },
      );
      expect(result.response.status).toBe(400);
      const errors = result.errors ?? [];
      // MAX_VALIDATION_ERRORS, and graphql-js's "Too many validation errors" after them
      expect(errors.length).toBeGreaterThan(1);
      expect(errors.length).toBeLessThanOrEqual(MAX_VALIDATION_ERRORS + 1);
    });
  });

  describe('unexpected errors', () => {
    it('are INTERNAL_SERVER_ERROR without internals, and logged with the request id', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      jest
        .spyOn(t.app.get(UsersService), 'list')
        .mockRejectedValueOnce(new Error('secret internal detail'));

      const result = await execute(
        t.http,
        UsersDocument,
        {},
        { token: session.accessToken, headers: { 'X-Request-Id': 'graphql-internal-1' } },
      );
      expect(result.response.status).toBe(200);
      expect(result.response.headers['x-request-id']).toBe('graphql-internal-1');
      expect(onlyError(result)).toEqual({
        message: 'Internal server error',
        locations: expect.any(Array),
        path: ['users'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', errorCode: 'INTERNAL_ERROR', details: [] },
      });
      expect(result.response.text).not.toContain('secret');
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/^requestId=graphql-internal-1 .*secret internal detail/s),
      );
    });
  });

  describe('an unreachable database', () => {
    it('is SERVICE_UNAVAILABLE', async () => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      await t.app.get<Connection>(getConnectionToken()).close();

      const guarded = await execute(t.http, UsersDocument, {}, { token: session.accessToken });
      const open = await execute(t.http, SignUpDocument, {
        input: { username: uniqueUsername(), password: PASSWORD },
      });
      for (const result of [guarded, open]) {
        expect(onlyError(result).extensions).toMatchObject({
          code: 'SERVICE_UNAVAILABLE',
          errorCode: 'SERVICE_UNAVAILABLE',
        });
      }
    });
  });
});

describe('GraphQL rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createGraphqlApp({ AUTH_RATE_LIMIT: '2' });
  });
  afterAll(() => t.close());

  it('answer TOO_MANY_REQUESTS with Retry-After, per client and username, as REST does', async () => {
    const username = uniqueUsername();
    const attempt = () =>
      execute(t.http, SignInDocument, { input: { username, password: 'wrong password' } });
    expect(onlyError(await attempt()).extensions.errorCode).toBe('INVALID_CREDENTIALS');
    expect(onlyError(await attempt()).extensions.errorCode).toBe('INVALID_CREDENTIALS');

    const limited = await attempt();
    expect(limited.response.status).toBe(200);
    expect(onlyError(limited).extensions).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      errorCode: 'TOO_MANY_REQUESTS',
      retryAfterSeconds: expect.any(Number),
    });
    expect(Number(limited.response.headers['retry-after'])).toBeGreaterThan(0);

    const otherUser = await execute(t.http, SignInDocument, {
      input: { username: uniqueUsername(), password: 'wrong password' },
    });
    expect(onlyError(otherUser).extensions.errorCode).toBe('INVALID_CREDENTIALS');
  });

  it('counts every signIn field of one request, aliases included', async () => {
    const username = uniqueUsername();
    // the first of the 2 attempts of this client and username
    expect(
      (await execute(t.http, SignUpDocument, { input: { username, password: PASSWORD } })).errors,
    ).toBeUndefined();
    const input = `{ username: "${username}", password: "${PASSWORD}" }`;
    const answer = await send(t.http, {
      query: `mutation { a: signIn(input: ${input}) { accessToken } b: signIn(input: ${input}) { accessToken } }`,
    });
    expect(answer.errors!.map((error) => [error.path, error.extensions?.errorCode])).toEqual([
      [['b'], 'TOO_MANY_REQUESTS'],
    ]);
  });
});

describe('API_RATE_LIMIT on GraphQL', () => {
  let t: TestApp;
  let session: GraphqlSession;
  beforeAll(async () => {
    t = await createGraphqlApp({ API_RATE_LIMIT: '3' });
    // sign-up and sign-in count against the auth limits (off here), not API_RATE_LIMIT
    session = await graphqlSession(t.http);
  });
  afterAll(() => t.close());

  it('counts requests, not the root fields of one request', async () => {
    const ask = (fields: number) =>
      send<Record<string, { id: string }>>(
        t.http,
        { query: `{ ${Array.from({ length: fields }, (_, i) => `f${i}: me { id }`).join(' ')} }` },
        { token: session.accessToken },
      );
    for (let request = 0; request < 3; request++) {
      const answer = await ask(5);
      expect(answer.errors).toBeUndefined();
      expect(Object.keys(answer.data!)).toHaveLength(5);
    }
    // the fourth request is refused (`me` is non-null, so its answer has no data)
    const limited = await ask(2);
    expect(limited.data).toBeNull();
    expect(limited.errors!.length).toBeGreaterThan(0);
    for (const error of limited.errors!) expect(error.extensions?.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(limited.response.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('GraphQL errors in development', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createGraphqlApp({ NODE_ENV: 'development' });
  });
  afterAll(() => t.close());

  it('carry a stack trace', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(t.app.get(UsersService), 'list').mockRejectedValueOnce(new Error('boom'));
    const session = await graphqlSession(t.http);
    const result = await execute(t.http, UsersDocument, {}, { token: session.accessToken });
    const error = onlyError(result);
    expect(error.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toBe('Internal server error');
    expect(error.extensions.stacktrace).toEqual(
      expect.arrayContaining([expect.stringContaining('Error: boom')]),
    );
  });
});
