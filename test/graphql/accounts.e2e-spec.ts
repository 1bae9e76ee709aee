import { Role } from '../../src/common/auth-user';
import { UsersRepository } from '../../src/users/users.repository';
import {
  DeleteUserDocument,
  MeDocument,
  RefreshTokenDocument,
  SecurityEventsDocument,
  SignInDocument,
  SignUpDocument,
  UpdateUserDocument,
  UsersWithSecurityEventsDocument,
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
import { execute, onlyError } from './support/graphql-client';

describe('GraphQL accounts and security events', () => {
  let t: TestApp;
  let admin: GraphqlSession;

  beforeAll(async () => {
    // the default SESSION_CHECK_CACHE_SECONDS (5): "at once" below means despite a cached look
    t = await createGraphqlApp({ MONGODB_URI: monitoredDatabaseUri() });
    admin = await adminSession(t.http);
  });
  afterAll(() => t.close());

  const meCode = async (token: string) => {
    const { errors } = await execute(t.http, MeDocument, {}, { token });
    return errors?.[0]?.extensions.code ?? 'OK';
  };

  describe('updateUser', () => {
    it('lets an admin disable a user: every session ends at once, sign-in is FORBIDDEN (ACCOUNT_DISABLED) for the right password only', async () => {
      const user = await graphqlSession(t.http);
      const other = await graphqlSignIn(t.http, user.username);
      expect(await meCode(user.accessToken)).toBe('OK');
      expect(await meCode(other.accessToken)).toBe('OK');

      const { data, errors } = await execute(
        t.http,
        UpdateUserDocument,
        { id: user.userId, input: { disabled: true } },
        { token: admin.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.updateUser).toMatchObject({ id: user.userId, disabled: true, role: 'user' });
      expect(await meCode(user.accessToken)).toBe('UNAUTHENTICATED');
      expect(await meCode(other.accessToken)).toBe('UNAUTHENTICATED');
      const refreshed = await execute(t.http, RefreshTokenDocument, {}, { cookie: user.cookie });
      expect(onlyError(refreshed).extensions.code).toBe('UNAUTHENTICATED');

      const right = await execute(t.http, SignInDocument, {
        input: { username: user.username, password: PASSWORD },
      });
      expect(onlyError(right).extensions).toMatchObject({
        code: 'FORBIDDEN',
        errorCode: 'ACCOUNT_DISABLED',
      });
      expect(right.response.headers['set-cookie']).toBeUndefined();
      const wrong = await execute(t.http, SignInDocument, {
        input: { username: user.username, password: 'a wrong password' },
      });
      expect(onlyError(wrong).extensions.code).toBe('UNAUTHENTICATED');

      await execute(
        t.http,
        UpdateUserDocument,
        { id: user.userId, input: { disabled: false } },
        { token: admin.accessToken },
      );
      await graphqlSignIn(t.http, user.username);
    });

    it('is FORBIDDEN for a non-admin, NOT_FOUND for an unknown user, BAD_USER_INPUT for a bad role', async () => {
      const user = await graphqlSession(t.http);
      const own = await execute(
        t.http,
        UpdateUserDocument,
        { id: user.userId, input: { role: 'admin' } },
        { token: user.accessToken },
      );
      expect(onlyError(own).extensions.code).toBe('FORBIDDEN');
      const unknown = await execute(
        t.http,
        UpdateUserDocument,
        { id: 'f'.repeat(24), input: { role: 'admin' } },
        { token: admin.accessToken },
      );
      expect(onlyError(unknown).extensions.code).toBe('NOT_FOUND');
      const bad = await execute(
        t.http,
        UpdateUserDocument,
        { id: user.userId, input: { role: 'root' } },
        { token: admin.accessToken },
      );
      expect(onlyError(bad).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        details: [expect.objectContaining({ field: 'role' })],
      });
    });

    it('refuses a null role with BAD_USER_INPUT instead of storing it', async () => {
      const user = await graphqlSession(t.http);
      const result = await execute(
        t.http,
        UpdateUserDocument,
        { id: user.userId, input: { role: null, disabled: true } },
        { token: admin.accessToken },
      );
      expect(onlyError(result).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        details: [expect.objectContaining({ field: 'role' })],
      });
      expect(await meCode(user.accessToken)).toBe('OK');
    });

    it('refuses to demote or disable the last active admin with CONFLICT (LAST_ADMIN)', async () => {
      for (const input of [{ role: 'user' }, { disabled: true }]) {
        const result = await execute(
          t.http,
          UpdateUserDocument,
          { id: admin.userId, input },
          { token: admin.accessToken },
        );
        expect(onlyError(result).extensions).toMatchObject({
          code: 'CONFLICT',
          errorCode: 'LAST_ADMIN',
        });
      }
      expect(await meCode(admin.accessToken)).toBe('OK');
    });
  });

  describe('deleteUser', () => {
    it('lets an admin delete a user and frees the name; the events stay', async () => {
      const username = uniqueUsername('gqlgone');
      const user = await graphqlSession(t.http, username);
      const { data, errors } = await execute(
        t.http,
        DeleteUserDocument,
        { id: user.userId },
        { token: admin.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.deleteUser).toBe(true);
      expect(await meCode(user.accessToken)).toBe('UNAUTHENTICATED');
      const again = await execute(t.http, SignUpDocument, {
        input: { username, password: PASSWORD },
      });
      expect(again.errors).toBeUndefined();
      const events = await execute(
        t.http,
        SecurityEventsDocument,
        { userId: user.userId },
        { token: admin.accessToken },
      );
      expect(events.data!.securityEvents.map((event) => event.type)).toEqual([
        'user-deleted',
        'sign-in',
      ]);
    });

    it('lets the owner delete itself with a fresh login only; FORBIDDEN for a stranger; CONFLICT for the last admin', async () => {
      const owner = await graphqlSession(t.http);
      const stranger = await graphqlSession(t.http);
      const foreign = await execute(
        t.http,
        DeleteUserDocument,
        { id: owner.userId },
        { token: stranger.accessToken },
      );
      expect(onlyError(foreign).extensions.code).toBe('FORBIDDEN');
      const refreshed = await execute(t.http, RefreshTokenDocument, {}, { cookie: owner.cookie });
      const stale = await execute(
        t.http,
        DeleteUserDocument,
        { id: owner.userId },
        { token: refreshed.data!.refreshToken.accessToken },
      );
      expect(onlyError(stale).extensions).toMatchObject({
        code: 'FORBIDDEN',
        errorCode: 'FRESH_LOGIN_REQUIRED',
      });
      const own = await execute(
        t.http,
        DeleteUserDocument,
        { id: owner.userId },
        { token: owner.accessToken },
      );
      expect(own.data!.deleteUser).toBe(true);
      const last = await execute(
        t.http,
        DeleteUserDocument,
        { id: admin.userId },
        { token: admin.accessToken },
      );
      expect(onlyError(last).extensions).toMatchObject({
        code: 'CONFLICT',
        errorCode: 'LAST_ADMIN',
      });
    });
  });

  describe('securityEvents', () => {
    it('lists for the owner and an admin, FORBIDDEN for a stranger, NOT_FOUND for an unknown user, pages with limit and after', async () => {
      const owner = await graphqlSession(t.http);
      await graphqlSignIn(t.http, owner.username);
      const stranger = await graphqlSession(t.http);
      const own = await execute(
        t.http,
        SecurityEventsDocument,
        { userId: owner.userId },
        { token: owner.accessToken },
      );
      expect(own.errors).toBeUndefined();
      const events = own.data!.securityEvents;
      expect(events.map((event) => event.type)).toEqual(['sign-in', 'sign-in']);
      expect(events[1]).toMatchObject({ actorId: owner.userId, ip: expect.any(String) });
      const byAdmin = await execute(
        t.http,
        SecurityEventsDocument,
        { userId: owner.userId, limit: 1, after: events[0].id },
        { token: admin.accessToken },
      );
      expect(byAdmin.data!.securityEvents).toEqual([events[1]]);
      const foreign = await execute(
        t.http,
        SecurityEventsDocument,
        { userId: owner.userId },
        { token: stranger.accessToken },
      );
      expect(onlyError(foreign).extensions.code).toBe('FORBIDDEN');
      const unknown = await execute(
        t.http,
        SecurityEventsDocument,
        { userId: 'f'.repeat(24) },
        { token: admin.accessToken },
      );
      expect(onlyError(unknown).extensions.code).toBe('NOT_FOUND');
      const tooMany = await execute(
        t.http,
        SecurityEventsDocument,
        { userId: owner.userId, limit: 1001 },
        { token: owner.accessToken },
      );
      expect(onlyError(tooMany).extensions.code).toBe('BAD_USER_INPUT');
    });

    it('serves User.securityEvents with one query for N users, and null with FORBIDDEN for users the caller may not see', async () => {
      const users = t.app.get(UsersRepository);
      for (let i = 0; i < 30; i += 1)
        await users.create(uniqueUsername('evbulk'), 'not-a-hash', Role.USER);
      const listWithEvents = () =>
        execute(
          t.http,
          UsersWithSecurityEventsDocument,
          { limit: 1000, eventsLimit: 3 },
          { token: admin.accessToken },
        );
      let result!: Awaited<ReturnType<typeof listWithEvents>>;
      const calls = await commandsDuring(t, async () => {
        result = await listWithEvents();
      });
      expect(result.errors).toBeUndefined();
      expect(result.data!.users.length).toBeGreaterThan(30);
      const byId = new Map(result.data!.users.map((user) => [user.id, user.securityEvents]));
      expect(byId.get(admin.userId)!.length).toBeLessThanOrEqual(3);
      expect(calls.filter((call) => call.startsWith('security_events.'))).toEqual([
        'security_events.find',
      ]);

      const owner = await graphqlSession(t.http);
      const own = await execute(
        t.http,
        UsersWithSecurityEventsDocument,
        // within the complexity limit, which weighs each user's events by their limit
        { limit: 1000, eventsLimit: 3 },
        { token: owner.accessToken },
      );
      const seen = new Map(own.data!.users.map((user) => [user.id, user.securityEvents]));
      expect(seen.get(owner.userId)!.map((event) => event.type)).toEqual(['sign-in']);
      expect(seen.get(admin.userId)).toBeNull();
      expect(own.errors!.length).toBe(own.data!.users.length - 1);
      for (const error of own.errors!) {
        expect(error).toMatchObject({
          path: ['users', expect.any(Number), 'securityEvents'],
          extensions: { code: 'FORBIDDEN' },
        });
      }
    });
  });
});
