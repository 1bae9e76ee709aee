import { getConnectionToken } from '@nestjs/mongoose';
import { Types, type Connection } from 'mongoose';
import {
  LogoutDocument,
  MeDocument,
  RevokeSessionDocument,
  SessionsDocument,
  UsersWithSessionsDocument,
} from '../generated/graphql';
import { uniqueUsername, clearsCookie, sidOf } from '../support/auth-helpers';
import { commandsDuring, monitoredDatabaseUri } from '../support/database-commands';
import type { TestApp } from '../support/test-app';
import {
  adminSession,
  createGraphqlApp,
  graphqlSession,
  graphqlSignIn,
  GraphqlSession,
} from './support/graphql-app';
import { execute, onlyError, send } from './support/graphql-client';

describe('GraphQL sessions', () => {
  let t: TestApp;
  let admin: GraphqlSession;

  beforeAll(async () => {
    // every request looks its session up: an ended session is refused at once, and the number of
    // database round trips is deterministic
    t = await createGraphqlApp({
      SESSION_CHECK_CACHE_SECONDS: '0',
      MONGODB_URI: monitoredDatabaseUri(),
    });
    admin = await adminSession(t.http);
  });
  afterAll(() => t.close());

  const me = async (session: GraphqlSession) =>
    (await execute(t.http, MeDocument, {}, { token: session.accessToken })).errors === undefined;

  it('lists the owner’s sessions newest first with `current`, for the owner or an admin only', async () => {
    const username = uniqueUsername('gql_s');
    const first = await graphqlSession(t.http, username);
    const second = await graphqlSignIn(t.http, username);

    const own = await execute(
      t.http,
      SessionsDocument,
      { userId: first.userId },
      { token: first.accessToken },
    );
    expect(own.errors).toBeUndefined();
    expect(own.data!.sessions.map((session) => [session.id, session.current])).toEqual([
      [sidOf(second), false],
      [sidOf(first), true],
    ]);

    const paged = await execute(
      t.http,
      SessionsDocument,
      { userId: first.userId, limit: 1, after: sidOf(second) },
      { token: admin.accessToken },
    );
    expect(paged.data!.sessions.map((session) => session.id)).toEqual([sidOf(first)]);

    const stranger = await graphqlSession(t.http);
    const refused = await execute(
      t.http,
      SessionsDocument,
      { userId: first.userId },
      { token: stranger.accessToken },
    );
    expect(onlyError(refused).extensions.code).toBe('FORBIDDEN');
    const unknown = await execute(
      t.http,
      SessionsDocument,
      { userId: '0'.repeat(24) },
      { token: admin.accessToken },
    );
    expect(onlyError(unknown).extensions.code).toBe('NOT_FOUND');
  });

  it('fills a page from the active sessions behind idle ones, in the query and in User.sessions', async () => {
    const username = uniqueUsername('gql_idle');
    const oldest = await graphqlSession(t.http, username);
    const older = await graphqlSignIn(t.http, username);
    const idle = [await graphqlSignIn(t.http, username), await graphqlSignIn(t.http, username)];
    // the two newest went idle: open, but past their idle expiry (never refreshed, their
    // activity is still the one their sign-in stored in the session)
    await t.app
      .get<Connection>(getConnectionToken())
      .collection('sessions')
      .updateMany(
        { _id: { $in: idle.map((session) => new Types.ObjectId(sidOf(session))) } },
        { $set: { 'opening.expiresAt': new Date(Date.now() - 1000) } },
      );
    const active = [sidOf(older), sidOf(oldest)];

    const page = await execute(
      t.http,
      SessionsDocument,
      { userId: oldest.userId, limit: 2 },
      { token: admin.accessToken },
    );
    expect(page.errors).toBeUndefined();
    expect(page.data!.sessions.map((session) => session.id)).toEqual(active);

    const nested = await send<{ user: { sessions: { id: string }[] } }>(
      t.http,
      {
        query: 'query($id: ID!) { user(id: $id) { sessions(limit: 2) { id } } }',
        variables: { id: oldest.userId },
      },
      { token: admin.accessToken },
    );
    expect(nested.errors).toBeUndefined();
    expect(nested.data!.user.sessions.map((session) => session.id)).toEqual(active);
  });

  it('revokeSession ends that session like logout; a session not among the user’s is NOT_FOUND', async () => {
    const username = uniqueUsername('gql_r');
    const caller = await graphqlSession(t.http, username);
    const other = await graphqlSignIn(t.http, username);
    const stranger = await graphqlSession(t.http);

    const foreign = await execute(
      t.http,
      RevokeSessionDocument,
      { userId: caller.userId, sessionId: sidOf(stranger) },
      { token: caller.accessToken },
    );
    expect(onlyError(foreign).extensions.code).toBe('NOT_FOUND');
    const forbidden = await execute(
      t.http,
      RevokeSessionDocument,
      { userId: caller.userId, sessionId: sidOf(other) },
      { token: stranger.accessToken },
    );
    expect(onlyError(forbidden).extensions.code).toBe('FORBIDDEN');

    const revoked = await execute(
      t.http,
      RevokeSessionDocument,
      { userId: caller.userId, sessionId: sidOf(other) },
      { token: caller.accessToken },
    );
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeSession).toBe(true);
    expect(await me(other)).toBe(false);
    expect(await me(caller)).toBe(true);
    expect(await me(stranger)).toBe(true);
  });

  it('logout(scope: OTHERS) keeps the caller and its cookie; ALL ends everything and clears it', async () => {
    const username = uniqueUsername('gql_l');
    const caller = await graphqlSession(t.http, username);
    const other = await graphqlSignIn(t.http, username);

    const others = await execute(
      t.http,
      LogoutDocument,
      { scope: 'OTHERS' },
      { token: caller.accessToken },
    );
    expect(others.data!.logout).toBe(true);
    expect(clearsCookie(others.response)).toBe(false);
    expect(await me(other)).toBe(false);
    expect(await me(caller)).toBe(true);

    const third = await graphqlSignIn(t.http, username);
    const all = await execute(
      t.http,
      LogoutDocument,
      { scope: 'ALL' },
      { token: caller.accessToken },
    );
    expect(clearsCookie(all.response)).toBe(true);
    expect(await me(caller)).toBe(false);
    expect(await me(third)).toBe(false);
  });

  describe('User.sessions', () => {
    it('answers `users { sessions { id } }` with the same few queries for 3 and for 12 users', async () => {
      const listed = (count: number) =>
        commandsDuring(t, async () => {
          const { data, errors } = await execute(
            t.http,
            UsersWithSessionsDocument,
            { limit: count },
            { token: admin.accessToken },
          );
          expect(errors).toBeUndefined();
          expect(data!.users).toHaveLength(count);
          const own = data!.users.find((user) => user.id === admin.userId)!;
          expect(own.sessions!.filter((session) => session.current)).toHaveLength(1);
        });
      for (let i = 0; i < 12; i++) await graphqlSession(t.http);
      const forThree = await listed(3);
      const forTwelve = await listed(12);
      expect(forTwelve).toEqual(forThree);
      // the session check, the users page, one batch of sessions and one of their last uses,
      // each one round trip
      expect(forThree.sort()).toEqual([
        'session_activity.find',
        'sessions.find',
        'sessions.find',
        'users.find',
      ]);
    });

    it('is null with FORBIDDEN on other users for a non-admin', async () => {
      const caller = await graphqlSession(t.http);
      const { data, errors } = await execute(
        t.http,
        UsersWithSessionsDocument,
        { limit: 2 },
        { token: caller.accessToken },
      );
      expect(errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
      expect(data!.users.map((user) => user.sessions)).toEqual([null, null]);
    });
  });
});
