import { createHash } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { SecurityEventsService } from '../../src/security-events/security-events.service';
import {
  PASSWORD,
  SignedIn,
  newSession,
  refreshCookieFrom,
  signIn,
  signUp,
  uniqueUsername,
  EventBody,
  sidOf,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectFieldError,
  expectSuccess,
  ISO_DATE,
  OBJECT_ID,
} from './rest-helpers';

const ADMIN = { username: 'Events.Admin', password: 'the admin password' };
const USER_AGENT = 'events-e2e/1.0';
const WRONG_PASSWORD = 'not the password at all';
const NEW_PASSWORD = 'a brand new passphrase';
const ALL_TYPES = [
  'sign-in',
  'sign-in-failed',
  'refresh-reuse-detected',
  'session-revoked',
  'logout',
  'password-changed',
  'user-disabled',
  'user-enabled',
  'role-changed',
  'user-deleted',
];

describe('security events: GET /users/{id}/security-events', () => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    admin = await signIn(t.http, ADMIN.username, ADMIN.password);
  });
  afterAll(() => t.close());

  const list = (token: string, userId: string, query = '') =>
    t.http.get(`/users/${userId}/security-events${query}`).set('Authorization', bearer(token));
  const post = (path: string) => t.http.post(path).set('User-Agent', USER_AGENT);

  async function signInAs(username: string, password = PASSWORD): Promise<SignedIn> {
    const res = await post('/auth/sign-in').send({ username, password });
    const { accessToken } = expectSuccess<{ accessToken: string; user: { id: string } }>(res);
    const cookie = refreshCookieFrom(res)!;
    return {
      userId: (res.body.data.user as { id: string }).id,
      username,
      accessToken,
      cookie,
      refreshToken: cookie.slice(cookie.indexOf('=') + 1),
    };
  }

  it('records every type with IP, User-Agent, session and actor, lists them newest first, and holds no secret', async () => {
    const username = uniqueUsername('events');
    const userId = await signUp(t.http, username);
    const secrets: string[] = [PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, ADMIN.password];
    const remember = (session: SignedIn) => {
      secrets.push(session.accessToken, session.refreshToken);
      return session;
    };

    // sign-in-failed, under the user it named
    expectError(
      await post('/auth/sign-in').send({ username, password: WRONG_PASSWORD }),
      401,
      'INVALID_CREDENTIALS',
    );
    // sign-in, then refresh-reuse-detected: two rotations, then the first token again
    const first = remember(await signInAs(username));
    let cookie = first.cookie;
    for (let i = 0; i < 2; i += 1) {
      const res = await post('/auth/refresh-token').set('Cookie', cookie);
      expectSuccess(res);
      cookie = refreshCookieFrom(res)!;
      secrets.push(cookie.slice(cookie.indexOf('=') + 1), res.body.data.accessToken as string);
    }
    expectError(
      await post('/auth/refresh-token').set('Cookie', first.cookie),
      401,
      'REFRESH_TOKEN_REUSED',
    );
    // session-revoked: revoke-token of a session's active token
    const second = remember(await signInAs(username));
    expectSuccess(
      await post('/auth/revoke-token')
        .set('Authorization', bearer(second.accessToken))
        .send({ token: second.refreshToken }),
    );
    // logout
    const third = remember(await signInAs(username));
    expectSuccess(await post('/auth/logout').set('Authorization', bearer(third.accessToken)));
    // password-changed
    const fourth = remember(await signInAs(username));
    expectSuccess(
      await post('/auth/change-password')
        .set('Authorization', bearer(fourth.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    );
    // the admin's actions
    for (const body of [{ role: 'admin' }, { disabled: true }, { disabled: false }]) {
      expectSuccess(
        await t.http
          .patch(`/users/${userId}`)
          .set('User-Agent', USER_AGENT)
          .set('Authorization', bearer(admin.accessToken))
          .send(body),
      );
    }
    expectSuccess(
      await t.http
        .delete(`/users/${userId}`)
        .set('User-Agent', USER_AGENT)
        .set('Authorization', bearer(admin.accessToken)),
    );

    const res = await list(admin.accessToken, userId);
    const events = expectSuccess<EventBody[]>(res);
    expect([...new Set(events.map((event) => event.type))].sort()).toEqual([...ALL_TYPES].sort());
    // past its last event, a deleted user's listing is an empty page, not NOT_FOUND
    const oldest = events[events.length - 1].id;
    expect(
      expectSuccess<EventBody[]>(await list(admin.accessToken, userId, `?after=${oldest}`)),
    ).toEqual([]);
    expect(events.map((event) => event.type)).toEqual([
      'user-deleted',
      'user-enabled',
      'user-disabled',
      'role-changed',
      'password-changed',
      'sign-in',
      'logout',
      'sign-in',
      'session-revoked',
      'sign-in',
      'refresh-reuse-detected',
      'sign-in',
      'sign-in-failed',
    ]);
    // newest first: ids (time-ordered ObjectIds) and times never grow
    const ids = events.map((event) => event.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual([
        'actorId',
        'at',
        'id',
        'ip',
        'sessionId',
        'type',
        'userAgent',
      ]);
      expect(event.id).toMatch(OBJECT_ID);
      expect(event.at).toMatch(ISO_DATE);
      expect(event.ip).toMatch(/^(127\.0\.0\.1|::1)$/);
      expect(event.userAgent).toBe(USER_AGENT);
    }
    const byType = (type: string) => events.find((event) => event.type === type)!;
    expect(byType('sign-in-failed')).toMatchObject({ sessionId: null, actorId: null });
    expect(byType('refresh-reuse-detected')).toMatchObject({
      sessionId: sidOf(first),
      actorId: null,
    });
    expect(byType('session-revoked')).toMatchObject({ sessionId: sidOf(second), actorId: userId });
    expect(byType('logout')).toMatchObject({ sessionId: sidOf(third), actorId: userId });
    expect(byType('password-changed')).toMatchObject({ sessionId: sidOf(fourth), actorId: userId });
    expect(
      events
        .filter((event) => event.type === 'sign-in')
        .map((event) => event.sessionId)
        .reverse(),
    ).toEqual([first, second, third, fourth].map(sidOf));
    for (const type of ['role-changed', 'user-disabled', 'user-enabled', 'user-deleted'])
      expect(byType(type)).toMatchObject({ actorId: admin.userId, sessionId: null });

    // no password, token or hash anywhere: not in the answer, not in the stored documents
    const stored = await t.app
      .get<Connection>(getConnectionToken())
      .collection('security_events')
      .find({ userId: new Types.ObjectId(userId) })
      .toArray();
    expect(stored).toHaveLength(events.length);
    const texts = [res.text, JSON.stringify(stored)];
    for (const secret of secrets) {
      const hash = createHash('sha256').update(secret).digest('hex');
      for (const text of texts) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(hash);
      }
    }
    for (const text of texts) expect(text).not.toMatch(/\$2[aby]\$/);
  });

  it('is for the owner or an admin: 403 for a stranger, 404 for an unknown user', async () => {
    const owner = await newSession(t.http);
    const stranger = await newSession(t.http);
    const own = expectSuccess<EventBody[]>(await list(owner.accessToken, owner.userId));
    expect(own.map((event) => event.type)).toEqual(['sign-in']);
    expect(expectSuccess<EventBody[]>(await list(admin.accessToken, owner.userId))).toEqual(own);
    expectError(await list(stranger.accessToken, owner.userId), 403, 'FORBIDDEN');
    expectError(await list(stranger.accessToken, 'f'.repeat(24)), 403, 'FORBIDDEN');
    expectError(await list(admin.accessToken, 'f'.repeat(24)), 404, 'NOT_FOUND');
    const someEvent = own[0].id;
    expectError(
      await list(admin.accessToken, 'f'.repeat(24), `?after=${someEvent}`),
      404,
      'NOT_FOUND',
    );
    expectError(await list(admin.accessToken, 'zz'), 400, 'VALIDATION_ERROR');
  });

  it('records a failed sign-in naming nobody under no one (stored, so it costs what a wrong password costs)', async () => {
    const connection = t.app.get<Connection>(getConnectionToken());
    const before = await connection
      .collection('security_events')
      .countDocuments({ userId: { $ne: null } });
    expectError(
      await t.http
        .post('/auth/sign-in')
        .send({ username: uniqueUsername('nobody'), password: WRONG_PASSWORD }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect(
      await connection.collection('security_events').countDocuments({ userId: { $ne: null } }),
    ).toBe(before);
  });

  it('pages with limit (1-1000, default 100) and after, newest first', async () => {
    const username = uniqueUsername('pages');
    await signUp(t.http, username);
    const sessions: SignedIn[] = [];
    for (let i = 0; i < 4; i += 1) sessions.push(await signIn(t.http, username));
    const owner = sessions[3];
    const all = expectSuccess<EventBody[]>(await list(owner.accessToken, owner.userId));
    expect(all.map((event) => event.sessionId)).toEqual(sessions.map(sidOf).reverse());
    const page1 = expectSuccess<EventBody[]>(
      await list(owner.accessToken, owner.userId, '?limit=2'),
    );
    expect(page1).toEqual(all.slice(0, 2));
    const page2 = expectSuccess<EventBody[]>(
      await list(owner.accessToken, owner.userId, `?limit=2&after=${page1[1].id}`),
    );
    expect(page2).toEqual(all.slice(2, 4));
    const end = expectSuccess<EventBody[]>(
      await list(owner.accessToken, owner.userId, `?after=${page2[1].id}`),
    );
    expect(end).toEqual([]);
    for (const query of ['?limit=0', '?limit=1001', '?limit=abc', '?limit=1e2'])
      expectFieldError(await list(owner.accessToken, owner.userId, query), 'limit');
    expectFieldError(await list(owner.accessToken, owner.userId, '?after=nope'), 'after');
    expectError(await list(owner.accessToken, owner.userId, '?other=1'), 400, 'VALIDATION_ERROR');
  });

  it('deletes events older than SECURITY_EVENTS_RETENTION (90d) and keeps the rest, safely twice at once', async () => {
    expect(t.config.securityEventsRetentionSeconds).toBe(90 * 86400);
    const events = t.app.get<Connection>(getConnectionToken()).collection('security_events');
    const userId = new Types.ObjectId();
    const day = 86400 * 1000;
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * day);
    const event = (daysAgo: number) => ({
      _id: Types.ObjectId.createFromTime(Math.floor(at(daysAgo).getTime() / 1000)),
      userId,
      type: 'sign-in',
      at: at(daysAgo),
      ip: '127.0.0.1',
      userAgent: null,
      sessionId: null,
      actorId: null,
    });
    await events.insertMany([event(365), event(91), event(89), event(1)]);
    const service = t.app.get(SecurityEventsService);
    await Promise.all([service.deleteExpired(), service.deleteExpired()]);
    const left = await events.find({ userId }).sort({ _id: -1 }).toArray();
    expect(left.map((doc) => Math.round((now - (doc.at as Date).getTime()) / day))).toEqual([
      1, 89,
    ]);
  });
});
