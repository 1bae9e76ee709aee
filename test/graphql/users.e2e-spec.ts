import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
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
import type { TestApp } from '../support/test-app';
import {
  adminSession,
  createGraphqlApp,
  graphqlSession,
  GraphqlSession,
} from './support/graphql-app';
import { execute, onlyError } from './support/graphql-client';

describe('GraphQL users and refresh-token queries', () => {
  let t: TestApp;
  let admin: GraphqlSession;
  let alice: GraphqlSession;
  let bob: GraphqlSession;

  beforeAll(async () => {
    // every request looks its session up, so the number of database round trips is deterministic
    t = await createGraphqlApp({ SESSION_CHECK_CACHE_SECONDS: '0' });
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
        {},
        { token: alice.accessToken },
      );
      const byId = new Map(data!.users.map((user) => [user.id, user.refreshTokens]));
      expect(byId.get(alice.userId)).toHaveLength(1);
      expect(byId.get(bob.userId)).toBeNull();
      expect(byId.get(admin.userId)).toBeNull();
      expect(errors).toHaveLength(2);
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
        {},
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
    /** Database commands the app sends while `run` runs, by collection and method. */
    async function databaseCalls(run: () => Promise<unknown>): Promise<string[]> {
      const connection = t.app.get<Connection>(getConnectionToken());
      const calls: string[] = [];
      connection.set('debug', (collection: string, method: string) =>
        calls.push(`${collection}.${method}`),
      );
      try {
        await run();
      } finally {
        connection.set('debug', false);
      }
      return calls;
    }

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
      return databaseCalls(async () => {
        const { data, errors } = await execute(
          t.http,
          UsersWithRefreshTokensDocument,
          {},
          { token: admin.accessToken },
        );
        expect(errors).toBeUndefined();
        expect(data!.users).toHaveLength(expectedUsers);
      });
    }

    it('answers `users { id refreshTokens { id } }` with the same few queries for 5 and for 200 users', async () => {
      const existing = 3;
      await addUsers(5 - existing);
      const forFive = await listWithTokens(5);
      await addUsers(200 - 5);
      const forTwoHundred = await listWithTokens(200);
      expect(forTwoHundred).toEqual(forFive);
      // the session check (the session record, by _id), the users page, and one batch of
      // refresh tokens
      expect(forFive.sort()).toEqual(
        ['sessions.findOne', 'users.find', 'refresh_tokens.find'].sort(),
      );
    });
  });
});
