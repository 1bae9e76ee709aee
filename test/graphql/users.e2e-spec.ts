import { getConnectionToken } from '@nestjs/mongoose';
import { Types, type Connection } from 'mongoose';
import { Role } from '../../src/common/auth-user';
import { UsersRepository } from '../../src/users/users.repository';
import {
  RefreshTokensDocument,
  SignInWithTokensDocument,
  UserDocument,
  UsersDocument,
  UsersWithRefreshTokensDocument,
  UserWithRefreshTokensDocument,
} from '../generated/graphql';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { commandsDuring, monitoredDatabaseUri } from '../support/database-commands';
import type { TestApp } from '../support/test-app';
import {
  adminSession,
  createGraphqlApp,
  graphqlSession,
  GraphqlSession,
  graphqlSignIn,
} from './support/graphql-app';
import { execute, onlyError, send } from './support/graphql-client';

describe('GraphQL users and refresh-token queries', () => {
  let t: TestApp;
  let admin: GraphqlSession;
  let alice: GraphqlSession;
  let bob: GraphqlSession;

  beforeAll(async () => {
    // every request looks its session up, so the number of database round trips is deterministic
    t = await createGraphqlApp({
      SESSION_CHECK_CACHE_SECONDS: '0',
      MONGODB_URI: monitoredDatabaseUri(),
    });
    admin = await adminSession(t.http);
    alice = await graphqlSession(t.http, uniqueUsername('alice'));
    bob = await graphqlSession(t.http, uniqueUsername('bob'));
  });
  afterAll(() => t.close());

  describe('users', () => {
    it('lists every user in creation order', async () => {
      const { data, errors } = await execute(
        t.http,
        UsersDocument,
        {},
        { token: alice.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.users.map((user) => user.id)).toEqual([admin.userId, alice.userId, bob.userId]);
    });

    it('pages with limit and after', async () => {
      const first = await execute(
        t.http,
        UsersDocument,
        { limit: 1 },
        { token: alice.accessToken },
      );
      expect(first.data!.users.map((user) => user.id)).toEqual([admin.userId]);
      const next = await execute(
        t.http,
        UsersDocument,
        { limit: 1, after: admin.userId },
        { token: alice.accessToken },
      );
      expect(next.data!.users.map((user) => user.id)).toEqual([alice.userId]);
    });

    it('refuses a limit out of range and a malformed after with BAD_USER_INPUT naming the field', async () => {
      const limit = await execute(
        t.http,
        UsersDocument,
        { limit: 0 },
        { token: alice.accessToken },
      );
      expect(onlyError(limit).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
        details: [{ field: 'limit', message: expect.any(String) }],
      });
      const after = await execute(
        t.http,
        UsersDocument,
        { after: 'not-an-id' },
        { token: alice.accessToken },
      );
      expect(onlyError(after).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        details: [{ field: 'after', message: expect.any(String) }],
      });
    });

    it('is UNAUTHENTICATED without an access token', async () => {
      const result = await execute(t.http, UsersDocument, {});
      expect(result.data).toBeNull();
      expect(onlyError(result).extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('user', () => {
    it('answers a user by id', async () => {
      const { data, errors } = await execute(
        t.http,
        UserDocument,
        { id: bob.userId },
        { token: alice.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.user).toMatchObject({ id: bob.userId, username: bob.username, role: 'user' });
    });

    it('is NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
      const unknown = await execute(
        t.http,
        UserDocument,
        { id: '0'.repeat(24) },
        { token: alice.accessToken },
      );
      expect(onlyError(unknown).extensions).toMatchObject({
        code: 'NOT_FOUND',
        errorCode: 'NOT_FOUND',
      });
      const malformed = await execute(
        t.http,
        UserDocument,
        { id: 'abc' },
        { token: alice.accessToken },
      );
      expect(onlyError(malformed).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
        details: [{ field: 'id', message: expect.any(String) }],
      });
    });
  });

  describe('refreshTokens', () => {
    it("lists the owner's tokens without their values", async () => {
      const { data, errors, response } = await execute(
        t.http,
        RefreshTokensDocument,
        { userId: alice.userId },
        { token: alice.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.refreshTokens).toEqual([
        {
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          createdAt: expect.any(String),
          expiresAt: expect.any(String),
          createdByIp: expect.any(String),
          userAgent: null,
          revokedAt: null,
          revokedByIp: null,
          revokedReason: null,
          replacedBy: null,
          isExpired: false,
          isActive: true,
        },
      ]);
      expect(response.text).not.toContain(alice.refreshToken);
    });

    it('pages with limit and after, newest first, in the query and in User.refreshTokens', async () => {
      const carol = await graphqlSession(t.http, uniqueUsername('carol'));
      await graphqlSignIn(t.http, carol.username);
      await graphqlSignIn(t.http, carol.username);
      const all = await execute(
        t.http,
        RefreshTokensDocument,
        { userId: carol.userId },
        { token: carol.accessToken },
      );
      const ids = all.data!.refreshTokens.map((token) => token.id);
      expect(ids).toHaveLength(3);
      const createdAt = all.data!.refreshTokens.map((token) => token.createdAt);
      expect([...createdAt].sort().reverse()).toEqual(createdAt);

      const page = async (limit: number, after?: string) => {
        const { data, errors } = await execute(
          t.http,
          RefreshTokensDocument,
          { userId: carol.userId, limit, after },
          { token: carol.accessToken },
        );
        expect(errors).toBeUndefined();
        return data!.refreshTokens.map((token) => token.id);
      };
      expect(await page(2)).toEqual(ids.slice(0, 2));
      expect(await page(2, ids[1])).toEqual(ids.slice(2));
      expect(await page(1, ids[0])).toEqual([ids[1]]);
      // a token of someone else starts no page of carol's
      const [aliceToken] = await page(1)
        .then(() =>
          execute(
            t.http,
            RefreshTokensDocument,
            { userId: alice.userId },
            { token: alice.accessToken },
          ),
        )
        .then((result) => result.data!.refreshTokens.map((token) => token.id));
      expect(await page(10, aliceToken)).toEqual([]);

      const nested = await send<{ user: { refreshTokens: { id: string }[] } }>(
        t.http,
        {
          query: `query($id: ID!, $after: ID) { user(id: $id) { refreshTokens(limit: 1, after: $after) { id } } }`,
          variables: { id: carol.userId, after: ids[0] },
        },
        { token: carol.accessToken },
      );
      expect(nested.errors).toBeUndefined();
      expect(nested.data!.user.refreshTokens).toEqual([{ id: ids[1] }]);

      // one batched query for every user, each cut to its own limit
      const everyone = await send<{ users: { id: string; refreshTokens: { id: string }[] }[] }>(
        t.http,
        { query: '{ users(limit: 10) { id refreshTokens(limit: 1) { id } } }' },
        { token: admin.accessToken },
      );
      expect(everyone.errors).toBeUndefined();
      const carolsPage = everyone.data!.users.find((user) => user.id === carol.userId);
      expect(carolsPage!.refreshTokens).toEqual([{ id: ids[0] }]);
      for (const user of everyone.data!.users) expect(user.refreshTokens.length).toBeLessThan(2);
    });

    it('refuses a limit out of range with BAD_USER_INPUT, without repeating it', async () => {
      for (const limit of [0, 1001, 123456]) {
        const result = await execute(
          t.http,
          RefreshTokensDocument,
          { userId: alice.userId, limit },
          { token: alice.accessToken },
        );
        expect(onlyError(result).extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          errorCode: 'VALIDATION_ERROR',
          details: [{ field: 'limit', message: expect.any(String) }],
        });
        if (limit !== 0) expect(result.response.text).not.toContain(String(limit));
      }
    });

    it("is FORBIDDEN for another user's tokens, allowed for an admin, NOT_FOUND for an unknown user", async () => {
      const foreign = await execute(
        t.http,
        RefreshTokensDocument,
        { userId: bob.userId },
        { token: alice.accessToken },
      );
      expect(onlyError(foreign).extensions).toMatchObject({
        code: 'FORBIDDEN',
        errorCode: 'FORBIDDEN',
      });
      const byAdmin = await execute(
        t.http,
        RefreshTokensDocument,
        { userId: bob.userId },
        { token: admin.accessToken },
      );
      expect(byAdmin.data!.refreshTokens).toHaveLength(1);
      const unknown = await execute(
        t.http,
        RefreshTokensDocument,
        { userId: 'f'.repeat(24) },
        { token: admin.accessToken },
      );
      expect(onlyError(unknown).extensions.code).toBe('NOT_FOUND');
    });
  });

  describe('User.refreshTokens', () => {
    it('is served to the owner', async () => {
      const { data, errors } = await execute(
        t.http,
        UserWithRefreshTokensDocument,
        { id: alice.userId },
        { token: alice.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.user.refreshTokens).toHaveLength(1);
    });

    it('is null with FORBIDDEN for users the caller may not see, and the rest of the answer stands', async () => {
      const { data, errors } = await execute(
        t.http,
        UsersWithRefreshTokensDocument,
        { tokenLimit: 10 },
        { token: alice.accessToken },
      );
      const byId = new Map(data!.users.map((user) => [user.id, user.refreshTokens]));
      expect(byId.get(alice.userId)).toHaveLength(1);
      expect(byId.get(bob.userId)).toBeNull();
      expect(byId.get(admin.userId)).toBeNull();
      expect(errors).toHaveLength(data!.users.length - 1);
      for (const error of errors!) {
        expect(error).toMatchObject({
          path: ['users', expect.any(Number), 'refreshTokens'],
          extensions: { code: 'FORBIDDEN', errorCode: 'FORBIDDEN' },
        });
      }
    });

    it('is served to an admin for every user', async () => {
      const { data, errors } = await execute(
        t.http,
        UsersWithRefreshTokensDocument,
        { tokenLimit: 10 },
        { token: admin.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.users.every((user) => Array.isArray(user.refreshTokens))).toBe(true);
    });

    it('is UNAUTHENTICATED when reached through a public mutation without an access token', async () => {
      const { data, errors } = await execute(t.http, SignInWithTokensDocument, {
        input: { username: alice.username, password: PASSWORD },
      });
      expect(data!.signIn.user).toEqual({ id: alice.userId, refreshTokens: null });
      expect(errors).toEqual([
        expect.objectContaining({
          path: ['signIn', 'user', 'refreshTokens'],
          extensions: expect.objectContaining({
            code: 'UNAUTHENTICATED',
            errorCode: 'UNAUTHORIZED',
          }),
        }),
      ]);
    });
  });

  describe('DataLoader', () => {
    async function addUsers(count: number): Promise<void> {
      const users = t.app.get(UsersRepository);
      for (let i = 0; i < count; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, count - i) }, () =>
            users.create(uniqueUsername('bulk'), 'not-a-hash', Role.USER),
          ),
        );
      }
    }

    async function listWithTokens(expectedUsers: number): Promise<string[]> {
      return commandsDuring(t, async () => {
        const { data, errors } = await execute(
          t.http,
          UsersWithRefreshTokensDocument,
          { limit: 200, tokenLimit: 10 },
          { token: admin.accessToken },
        );
        expect(errors).toBeUndefined();
        expect(data!.users).toHaveLength(expectedUsers);
      });
    }

    it('answers `users { id refreshTokens { id } }` with the same few queries for 5 and for 200 users', async () => {
      const { data } = await execute(t.http, UsersDocument, {}, { token: admin.accessToken });
      const existing = data!.users.length;
      await addUsers(5 - existing);
      const forFive = await listWithTokens(5);
      await addUsers(200 - 5);
      const forTwoHundred = await listWithTokens(200);
      expect(forTwoHundred).toEqual(forFive);
      // the session check (the session record, by _id), the users page, one batch of refresh
      // tokens and one of the links that follow them (what became of each), each one round trip
      expect(forFive.sort()).toEqual([
        'refresh_tokens.find',
        'refresh_tokens.find',
        'sessions.find',
        'users.find',
      ]);
    });

    it('answers a page of 100 users without limit, never every user', async () => {
      const { data, errors } = await execute(
        t.http,
        UsersDocument,
        {},
        { token: admin.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.users).toHaveLength(100);
      expect(data!.users[0].id).toBe(admin.userId);
    });
  });

  // last: the tests above count the users
  describe('User.refreshTokens in a batch', () => {
    it('gives every user of a batch the same page as its own query, whatever its token count', async () => {
      const erin = await graphqlSession(t.http, uniqueUsername('erin'));
      const dave = await graphqlSession(t.http, uniqueUsername('dave'));
      for (let i = 0; i < 3; i += 1) await graphqlSignIn(t.http, dave.username);
      // the page starts just before erin: erin, dave and nobody older
      const after = (BigInt(`0x${erin.userId}`) - 1n).toString(16).padStart(24, '0');
      const batched = await send<{ users: { id: string; refreshTokens: { id: string }[] }[] }>(
        t.http,
        {
          query: `query($after: ID) { users(limit: 100, after: $after) { id refreshTokens(limit: 2) { id } } }`,
          variables: { after },
        },
        { token: admin.accessToken },
      );
      expect(batched.errors).toBeUndefined();
      const pages = new Map(batched.data!.users.map((user) => [user.id, user.refreshTokens]));
      // one user short of a page, one with more than a page
      expect(pages.get(erin.userId)).toHaveLength(1);
      expect(pages.get(dave.userId)).toHaveLength(2);
      for (const [userId, page] of pages) {
        const own = await execute(
          t.http,
          RefreshTokensDocument,
          { userId, limit: 2 },
          { token: admin.accessToken },
        );
        expect(own.errors).toBeUndefined();
        expect(page).toEqual(own.data!.refreshTokens.map(({ id }) => ({ id })));
      }
    });
  });

  describe('paging arguments sent as null', () => {
    it('reads `after: null` and `limit: null` as left out, on every list and list field', async () => {
      const lists = `
        users(limit: 5, after: $after) { id }
        refreshTokens(userId: $id, limit: $limit, after: $after) { id }
        sessions(userId: $id, limit: $limit, after: $after) { id }
        securityEvents(userId: $id, limit: $limit, after: $after) { id }
        user(id: $id) {
          refreshTokens(limit: $limit, after: $after) { id }
          sessions(limit: $limit, after: $after) { id }
          securityEvents(limit: $limit, after: $after) { id }
        }`;
      const query = `query($id: ID!, $limit: Int, $after: ID) { ${lists} }`;
      const left = await send<Record<string, unknown>>(
        t.http,
        { query, variables: { id: alice.userId } },
        { token: admin.accessToken },
      );
      expect(left.errors).toBeUndefined();
      const nulls = await send<Record<string, unknown>>(
        t.http,
        { query, variables: { id: alice.userId, limit: null, after: null } },
        { token: admin.accessToken },
      );
      expect(nulls.errors).toBeUndefined();
      expect(nulls.data).toEqual(left.data);
      const literal = await send<Record<string, unknown>>(
        t.http,
        {
          query: `query($id: ID!) { ${lists.replace(/\$limit/g, 'null').replace(/\$after/g, 'null')} }`,
          variables: { id: alice.userId },
        },
        { token: admin.accessToken },
      );
      expect(literal.errors).toBeUndefined();
      expect(literal.data).toEqual(left.data);
      // none of them came back empty, so the comparison says something
      const data = left.data as Record<string, unknown[]> & { user: Record<string, unknown[]> };
      for (const name of ['users', 'refreshTokens', 'sessions', 'securityEvents'])
        expect(data[name].length).toBeGreaterThan(0);
      for (const name of ['refreshTokens', 'sessions', 'securityEvents'])
        expect(data.user[name].length).toBeGreaterThan(0);
    });

    it('keeps `securityEvents(limit: null)` to the default 100', async () => {
      const userId = new Types.ObjectId();
      const now = Date.now();
      await t.app
        .get<Connection>(getConnectionToken())
        .collection('security_events')
        .insertMany(
          Array.from({ length: 101 }, (_, i) => ({
            _id: new Types.ObjectId(),
            userId,
            type: 'sign-in',
            at: new Date(now - i),
            ip: '127.0.0.1',
            userAgent: null,
            sessionId: null,
            actorId: null,
          })),
        );
      const { data, errors } = await send<{ securityEvents: { id: string }[] }>(
        t.http,
        {
          query: 'query($id: ID!) { securityEvents(userId: $id, limit: null) { id } }',
          variables: { id: userId.toHexString() },
        },
        { token: admin.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.securityEvents).toHaveLength(100);
    });
  });
});
