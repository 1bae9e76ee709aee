import { getConnectionToken } from '@nestjs/mongoose';
import { Types, type Collection, type Connection } from 'mongoose';
import { Cleanup } from '../../src/database/cleanup';
import { SessionsRepository } from '../../src/sessions/store/sessions.repository';
import {
  newSession,
  refreshCookieFrom,
  sidOf,
  signIn,
  tokenIdOf,
  uniqueUsername,
  refresh as refreshWith,
} from '../support/auth-helpers';
import { commandsDuring, monitoredDatabaseUri } from '../support/database-commands';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectSuccess, listRefreshTokens, sleep } from '../rest/rest-helpers';

/** The session store against the real database: what a refresh costs and what the links say. */
describe('session store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ MONGODB_URI: monitoredDatabaseUri() });
  });
  afterAll(() => t.close());

  const refresh = (cookie: string) => refreshWith(t.http, cookie);

  it('rotates a refresh token in four database commands: read it, insert its successor while reading its holder, move the activity', async () => {
    const session = await newSession(t.http);
    let res: Awaited<ReturnType<typeof refresh>> | undefined;
    const commands = await commandsDuring(t, async () => {
      res = await refresh(session.cookie);
    });
    expectSuccess(res!);
    expect(commands[0]).toBe('refresh_tokens.find');
    // the insert and the holder's read run side by side: either may start first
    expect(commands.slice(1, 3).sort()).toEqual(['refresh_tokens.insert', 'users.find']);
    expect(commands.slice(3)).toEqual(['session_activity.update']);
  });

  it('counts the open sessions of sign-ins at once in one command, each under its own user, time and cap', async () => {
    const db = t.app.get<Connection>(getConnectionToken());
    const sessions = t.app.get(SessionsRepository);
    const [a, b, c] = await Promise.all([
      newSession(t.http),
      newSession(t.http),
      newSession(t.http),
    ]);
    const moreOfA = [];
    for (let n = 0; n < 3; n++) moreOfA.push(await signIn(t.http, a.username));
    // one of a's four ended: three open
    await db
      .collection('sessions')
      .updateOne(
        { _id: new Types.ObjectId(sidOf(moreOfA[0])) },
        { $set: { endedAt: new Date(), endedReason: 'logout' } },
      );
    const [userA, userB, userC] = [a, b, c].map((session) => new Types.ObjectId(session.userId));
    const anyId = Types.ObjectId.createFromTime(0);
    const now = new Date();
    const later = new Date(Date.now() + 400 * 86_400_000);

    let counts: number[] = [];
    const commands = await commandsDuring(t, async () => {
      counts = await Promise.all([
        sessions.countOpen(userA, anyId, now, 10),
        sessions.countOpen(userB, anyId, now, 10),
        // its own cap, its own time (every session past its absolute lifetime), its own range
        sessions.countOpen(userA, anyId, now, 2),
        sessions.countOpen(userA, anyId, later, 10),
        sessions.countOpen(userC, new Types.ObjectId(sidOf(c)), now, 10),
      ]);
    });
    expect(counts).toEqual([3, 1, 2, 0, 0]);
    expect(commands).toEqual(['sessions.find']);

    // a reply that fills what the counts could use may lack rows: each is then read on its own
    const filled = await commandsDuring(t, async () => {
      counts = await Promise.all([
        sessions.countOpen(userA, anyId, now, 1),
        sessions.countOpen(userB, anyId, now, 1),
      ]);
    });
    expect(counts).toEqual([1, 1]);
    expect(filled).toEqual(['sessions.find', 'sessions.find', 'sessions.find']);

    // counts up to a cap of 10,000 share a read of a page, not of everything they could use
    const limits = await commandsDuring(
      t,
      async () => {
        counts = await Promise.all([
          sessions.countOpen(userA, anyId, now, 10_001),
          sessions.countOpen(userB, anyId, now, 10_001),
        ]);
      },
      (event) => String(event.command.limit),
    );
    expect(counts).toEqual([3, 1]);
    expect(limits).toEqual(['1000']);
  });

  // disabling or deleting a user ends its sessions first; a refresh racing that must still lose
  it.each([
    [
      'disabled',
      (users: Collection, _id: Types.ObjectId) =>
        users.updateOne({ _id }, { $set: { disabled: true } }),
    ],
    ['deleted', (users: Collection, _id: Types.ObjectId) => users.deleteOne({ _id })],
  ])('refreshes nothing for a holder %s while its session is still open', async (_, change) => {
    const session = await newSession(t.http);
    const db = t.app.get<Connection>(getConnectionToken());
    await change(db.collection('users'), new Types.ObjectId(session.userId));
    expectError(await refresh(session.cookie), 401, 'INVALID_REFRESH_TOKEN');
  });

  /** The caller's own sessions as GET /users/{id}/sessions lists them. */
  const listOwn = async (session: { userId: string; accessToken: string }) =>
    expectSuccess<
      { id: string; createdAt: string; lastUsedAt: string; userAgent: string | null }[]
    >(
      await t.http
        .get(`/users/${session.userId}/sessions`)
        .set('Authorization', bearer(session.accessToken)),
    );

  it('keeps a session’s activity in the session until its first refresh stores it apart', async () => {
    const db = t.app.get<Connection>(getConnectionToken());
    const session = await newSession(t.http);
    const _id = new Types.ObjectId(sidOf(session));
    // a sign-in writes the session alone, carrying its first token and where it signed in
    expect(await db.collection('session_activity').findOne({ _id })).toBeNull();
    const stored = await db.collection('sessions').findOne({ _id });
    expect(stored?.opening).toMatchObject({
      tokenId: new Types.ObjectId(tokenIdOf(session.refreshToken)),
      ip: expect.any(String),
    });
    const [opened] = await listOwn(session);
    expect(opened.lastUsedAt).toBe(opened.createdAt);

    await sleep(5);
    const refreshed = await refresh(session.cookie).set('User-Agent', 'second-device/1.0');
    expectSuccess(refreshed);
    const activity = await db.collection('session_activity').findOne({ _id });
    expect(activity).toMatchObject({
      tokenId: new Types.ObjectId(tokenIdOf(refreshCookieFrom(refreshed)!.split('=')[1])),
      userAgent: 'second-device/1.0',
    });
    const [used] = await listOwn(session);
    expect(used.userAgent).toBe('second-device/1.0');
    expect(new Date(used.lastUsedAt).getTime()).toBeGreaterThan(new Date(used.createdAt).getTime());
    // the end follows the token the refresh issued: neither token refreshes any more
    await t.http.post('/auth/logout').set('Authorization', bearer(session.accessToken)).expect(200);
    expectError(await refresh(refreshCookieFrom(refreshed)!), 401, 'INVALID_REFRESH_TOKEN');
  });

  it('ends, lists and refreshes a session stored before sessions carried their activity', async () => {
    const db = t.app.get<Connection>(getConnectionToken());
    const session = await newSession(t.http);
    const _id = new Types.ObjectId(sidOf(session));
    // the shape stored before: the activity apart from the start, the session without it
    const { opening } = (await db.collection('sessions').findOne({ _id }))!;
    await db
      .collection('session_activity')
      .insertOne({ _id, lastUsedAt: new Date(), ...(opening as object) });
    await db.collection('sessions').updateOne({ _id }, { $unset: { opening: '' } });
    expect(await listOwn(session)).toHaveLength(1);

    const refreshed = await refresh(session.cookie);
    expectSuccess(refreshed);
    await t.http.post('/auth/logout').set('Authorization', bearer(session.accessToken)).expect(200);
    expect(await listOwn(await signIn(t.http, session.username))).toHaveLength(1);
    expectError(await refresh(refreshCookieFrom(refreshed)!), 401, 'INVALID_REFRESH_TOKEN');
  });

  it('lists what became of each token from the link that follows it', async () => {
    const username = uniqueUsername('fate');
    const first = await newSession(t.http, username);
    expectSuccess(await refresh(first.cookie));
    await t.http.post('/auth/logout').set('Authorization', bearer(first.accessToken)).expect(200);
    // that session ended: a second one lists the first one's tokens
    const viewer = await signIn(t.http, username);
    const [own, successor, original] = await listRefreshTokens(
      t.http,
      first.userId,
      viewer.accessToken,
    );
    expect(own).toMatchObject({ isActive: true, revokedAt: null, revokedReason: null });
    expect(successor).toMatchObject({
      isActive: false,
      revokedReason: 'logout',
      revokedByIp: expect.any(String),
      replacedBy: null,
    });
    expect(original).toMatchObject({
      isActive: false,
      revokedReason: 'rotated',
      revokedAt: successor.createdAt,
      replacedBy: successor.id,
    });
  });

  it('never lets a refresh outlive an end that raced it: the chain has one link after each token', async () => {
    for (let round = 0; round < 20; round += 1) {
      const session = await newSession(t.http);
      const [refreshed, loggedOut] = await Promise.all([
        refresh(session.cookie),
        t.http.post('/auth/logout').set('Authorization', bearer(session.accessToken)),
      ]);
      expect(loggedOut.status).toBe(200);
      const cookie = refreshCookieFrom(refreshed);
      // whichever won, nothing of the session refreshes afterwards
      expectError(await refresh(session.cookie), 401, 'INVALID_REFRESH_TOKEN');
      if (cookie !== undefined) expectError(await refresh(cookie), 401, 'INVALID_REFRESH_TOKEN');
    }
  });

  it('forgets an ended session and its tokens once SESSION_RETENTION has passed, and only then', async () => {
    const retention = await createTestApp({ SESSION_RETENTION: '60s' });
    try {
      const db = retention.app.get<Connection>(getConnectionToken());
      const session = await newSession(retention.http);
      await retention.http.post('/auth/refresh-token').set('Cookie', session.cookie).expect(200);
      await retention.http
        .post('/auth/logout')
        .set('Authorization', bearer(session.accessToken))
        .expect(200);
      const count = async () => ({
        sessions: await db.collection('sessions').countDocuments(),
        activity: await db.collection('session_activity').countDocuments(),
        links: await db.collection('refresh_tokens').countDocuments(),
      });
      const cleanup = retention.app.get(Cleanup);
      await cleanup.runOnce(new Date(Date.now() + 30_000));
      // two tokens and the end link stay listable during retention
      expect(await count()).toEqual({ sessions: 1, activity: 1, links: 3 });
      await cleanup.runOnce(new Date(Date.now() + 62_000));
      expect(await count()).toEqual({ sessions: 0, activity: 0, links: 0 });
      // again, as another instance would: nothing left to do, nothing fails
      await cleanup.runOnce(new Date(Date.now() + 62_000));
      expect(await count()).toEqual({ sessions: 0, activity: 0, links: 0 });
    } finally {
      await retention.close();
    }
  });
});
