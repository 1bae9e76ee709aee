import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { Role } from '../../src/common/auth-user';
import { UsersRepository } from '../../src/users/users.repository';
import {
  PASSWORD,
  SignedIn,
  newSession,
  signIn,
  signUp,
  uniqueUsername,
  UserBody,
  EventBody,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectFieldError, expectSuccess, meStatus } from './rest-helpers';

const ADMIN = { username: 'Accounts.Admin', password: 'the admin password' };

describe('accounts: PATCH and DELETE /users/{id}', () => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    // the default SESSION_CHECK_CACHE_SECONDS (5): "at once" below means despite a cached look
    t = await createTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    admin = await signIn(t.http, ADMIN.username, ADMIN.password);
  });
  afterAll(() => t.close());

  const patch = (token: string, id: string, body: object) =>
    t.http.patch(`/users/${id}`).set('Authorization', bearer(token)).send(body);
  const remove = (token: string, id: string) =>
    t.http.delete(`/users/${id}`).set('Authorization', bearer(token));
  const events = async (token: string, userId: string): Promise<EventBody[]> =>
    expectSuccess<EventBody[]>(
      await t.http.get(`/users/${userId}/security-events`).set('Authorization', bearer(token)),
    );
  const refreshStatus = async (cookie: string) =>
    (await t.http.post('/auth/refresh-token').set('Cookie', cookie)).status;

  describe('PATCH /users/{id}', () => {
    it('lets an admin change the role; the user answers with it and disabled false', async () => {
      const user = await newSession(t.http);
      const promoted = expectSuccess<UserBody>(
        await patch(admin.accessToken, user.userId, { role: 'admin' }),
      );
      expect(promoted).toMatchObject({ id: user.userId, role: 'admin', disabled: false });
      const demoted = expectSuccess<UserBody>(
        await patch(admin.accessToken, user.userId, { role: 'user' }),
      );
      expect(demoted.role).toBe('user');
      const types = (await events(admin.accessToken, user.userId)).map((event) => event.type);
      expect(types.filter((type) => type === 'role-changed')).toHaveLength(2);
    });

    it('is for admins only: 403 for the owner and for a stranger, 404 for an unknown user', async () => {
      const owner = await newSession(t.http);
      const stranger = await newSession(t.http);
      expectError(
        await patch(owner.accessToken, owner.userId, { role: 'admin' }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await patch(stranger.accessToken, owner.userId, { disabled: true }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await patch(admin.accessToken, 'f'.repeat(24), { disabled: true }),
        404,
        'NOT_FOUND',
      );
      expect(await meStatus(t.http, owner.accessToken)).toBe(200);
    });

    it('refuses bad bodies with VALIDATION_ERROR and changes nothing', async () => {
      const user = await newSession(t.http);
      expectFieldError(await patch(admin.accessToken, user.userId, { role: 'root' }), 'role');
      expectFieldError(
        await patch(admin.accessToken, user.userId, { disabled: 'yes' }),
        'disabled',
      );
      expectError(await patch(admin.accessToken, user.userId, {}), 400, 'VALIDATION_ERROR');
      expectError(
        await patch(admin.accessToken, user.userId, { role: 'user', password: 'x' }),
        400,
        'VALIDATION_ERROR',
      );
      expectError(
        await patch(admin.accessToken, 'nope', { role: 'user' }),
        400,
        'VALIDATION_ERROR',
      );
      const res = await t.http
        .get(`/users/${user.userId}`)
        .set('Authorization', bearer(admin.accessToken));
      expect(expectSuccess<UserBody>(res)).toMatchObject({ role: 'user', disabled: false });
    });

    it('refuses a null role or disabled flag instead of storing it (found by the fuzzer)', async () => {
      const user = await newSession(t.http);
      for (const body of [{ role: null }, { disabled: null }, { role: null, disabled: true }]) {
        const field = 'role' in body ? 'role' : 'disabled';
        expectFieldError(await patch(admin.accessToken, user.userId, body), field);
      }
      const res = await t.http
        .get(`/users/${user.userId}`)
        .set('Authorization', bearer(admin.accessToken));
      expect(expectSuccess<UserBody>(res)).toMatchObject({ role: 'user', disabled: false });
      expect(await meStatus(t.http, user.accessToken)).toBe(200);
    });

    it('disabling ends every session at once; sign-in then answers 403 ACCOUNT_DISABLED for the right password only', async () => {
      const username = uniqueUsername();
      const userId = await signUp(t.http, username);
      const first = await signIn(t.http, username);
      const second = await signIn(t.http, username);
      // both sessions looked at and cached as active
      expect(await meStatus(t.http, first.accessToken)).toBe(200);
      expect(await meStatus(t.http, second.accessToken)).toBe(200);

      const disabled = expectSuccess<UserBody>(
        await patch(admin.accessToken, userId, { disabled: true }),
      );
      expect(disabled).toMatchObject({ id: userId, disabled: true });

      expect(await meStatus(t.http, first.accessToken)).toBe(401);
      expect(await meStatus(t.http, second.accessToken)).toBe(401);
      expect(await refreshStatus(first.cookie)).toBe(401);
      expect(await refreshStatus(second.cookie)).toBe(401);
      const right = await t.http.post('/auth/sign-in').send({ username, password: PASSWORD });
      expect(expectError(right, 403, 'ACCOUNT_DISABLED').message).not.toContain(PASSWORD);
      expect(right.headers['set-cookie']).toBeUndefined();
      expectError(
        await t.http.post('/auth/sign-in').send({ username, password: 'a wrong password' }),
        401,
        'INVALID_CREDENTIALS',
      );

      expectSuccess(await patch(admin.accessToken, userId, { disabled: false }));
      const again = await signIn(t.http, username);
      expect(await meStatus(t.http, again.accessToken)).toBe(200);
      const types = (await events(admin.accessToken, userId)).map((event) => event.type);
      expect(types).toEqual(expect.arrayContaining(['user-disabled', 'user-enabled']));
    });

    it('demoting an admin ends its sessions, whose tokens still say admin', async () => {
      const other = await newSession(t.http);
      expectSuccess(await patch(admin.accessToken, other.userId, { role: 'admin' }));
      const asAdmin = await signIn(t.http, other.username);
      expectSuccess(await patch(admin.accessToken, other.userId, { role: 'user' }));
      expect(await meStatus(t.http, asAdmin.accessToken)).toBe(401);
      expect(await refreshStatus(asAdmin.cookie)).toBe(401);
    });
  });

  describe('DELETE /users/{id}', () => {
    it('lets an admin delete a user: tokens, sessions and the name go, the events stay', async () => {
      const username = uniqueUsername('Gone');
      const user = await newSession(t.http, username);
      expect(await meStatus(t.http, user.accessToken)).toBe(200);
      expect(expectSuccess(await remove(admin.accessToken, user.userId))).toBe(true);

      expectError(
        await t.http.get(`/users/${user.userId}`).set('Authorization', bearer(admin.accessToken)),
        404,
        'NOT_FOUND',
      );
      expect(await meStatus(t.http, user.accessToken)).toBe(401);
      expect(await refreshStatus(user.cookie)).toBe(401);
      const connection = t.app.get<Connection>(getConnectionToken());
      const userId = new Types.ObjectId(user.userId);
      expect(await connection.collection('refresh_tokens').countDocuments({ userId })).toBe(0);
      expect(await connection.collection('sessions').countDocuments({ userId })).toBe(0);

      // the name is free again, whatever its case
      const reborn = await signUp(t.http, username.toUpperCase());
      expect(reborn).not.toBe(user.userId);
      await signIn(t.http, username.toUpperCase());
      expectError(
        await t.http.post('/auth/sign-in').send({ username, password: 'whatever it was' }),
        401,
        'INVALID_CREDENTIALS',
      );

      const kept = await events(admin.accessToken, user.userId);
      expect(kept[0]).toMatchObject({
        type: 'user-deleted',
        actorId: admin.userId,
        sessionId: null,
      });
      expect(kept.map((event) => event.type)).toContain('sign-in');
      expectError(await remove(admin.accessToken, user.userId), 404, 'NOT_FOUND');
    });

    it('lets the owner delete its own account with a fresh login only', async () => {
      const owner = await newSession(t.http);
      const refreshed = expectSuccess<{ accessToken: string }>(
        await t.http.post('/auth/refresh-token').set('Cookie', owner.cookie),
      );
      expectError(await remove(refreshed.accessToken, owner.userId), 403, 'FRESH_LOGIN_REQUIRED');
      expect(await meStatus(t.http, owner.accessToken)).toBe(200);
      expect(expectSuccess(await remove(owner.accessToken, owner.userId))).toBe(true);
      expect(await meStatus(t.http, owner.accessToken)).toBe(401);
    });

    it('refuses a stranger with 403 and an unknown user with 404', async () => {
      const owner = await newSession(t.http);
      const stranger = await newSession(t.http);
      expectError(await remove(stranger.accessToken, owner.userId), 403, 'FORBIDDEN');
      expectError(await remove(stranger.accessToken, 'f'.repeat(24)), 403, 'FORBIDDEN');
      expectError(await remove(admin.accessToken, 'f'.repeat(24)), 404, 'NOT_FOUND');
      expect(await meStatus(t.http, owner.accessToken)).toBe(200);
    });
  });

  describe('the last active admin', () => {
    it('cannot be demoted, disabled or deleted (409 LAST_ADMIN); with a second admin it can', async () => {
      // the seeded admin is the only admin here (earlier tests demoted theirs)
      const self = await signIn(t.http, ADMIN.username, ADMIN.password);
      expectError(await patch(self.accessToken, self.userId, { role: 'user' }), 409, 'LAST_ADMIN');
      expectError(
        await patch(self.accessToken, self.userId, { disabled: true }),
        409,
        'LAST_ADMIN',
      );
      expectError(await remove(self.accessToken, self.userId), 409, 'LAST_ADMIN');
      expect(await meStatus(t.http, self.accessToken)).toBe(200);

      const other = await newSession(t.http);
      expectSuccess(await patch(self.accessToken, other.userId, { role: 'admin' }));
      const otherAdmin = await signIn(t.http, other.username);
      // a disabled admin is not an active one
      expectSuccess(await patch(otherAdmin.accessToken, self.userId, { disabled: true }));
      expectError(
        await patch(otherAdmin.accessToken, otherAdmin.userId, { role: 'user' }),
        409,
        'LAST_ADMIN',
      );
      expectSuccess(await patch(otherAdmin.accessToken, self.userId, { disabled: false }));
      expectSuccess(await patch(otherAdmin.accessToken, otherAdmin.userId, { role: 'user' }));
      admin = await signIn(t.http, ADMIN.username, ADMIN.password);
    });
  });
});

describe('accounts: the last admin under concurrent requests', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SESSION_CHECK_CACHE_SECONDS: '0' });
  });
  afterAll(() => t.close());

  const ROUNDS = 15;

  it(`two admins demoting, disabling or deleting each other at once always leave one (${ROUNDS} rounds)`, async () => {
    const users = t.app.get(UsersRepository);
    const names = [uniqueUsername('race'), uniqueUsername('race')];
    const ids = await Promise.all(names.map((name) => signUp(t.http, name)));
    const actions = [
      (token: string, id: string) =>
        t.http.patch(`/users/${id}`).set('Authorization', bearer(token)).send({ role: 'user' }),
      (token: string, id: string) =>
        t.http.patch(`/users/${id}`).set('Authorization', bearer(token)).send({ disabled: true }),
      (token: string, id: string) =>
        t.http.delete(`/users/${id}`).set('Authorization', bearer(token)),
    ];
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // both back to active admins, with fresh sessions
      for (const [index, id] of ids.entries()) {
        if ((await users.findById(id)) === null) ids[index] = await signUp(t.http, names[index]);
      }
      await Promise.all(ids.map((id) => users.update(id, { role: Role.ADMIN, disabled: false })));
      const [a, b] = await Promise.all(names.map((name) => signIn(t.http, name)));
      const act = actions[round % actions.length];
      const [ab, ba] = await Promise.all([
        act(a.accessToken, b.userId),
        act(b.accessToken, a.userId),
      ]);
      const statuses = [ab.status, ba.status].sort();
      outcomes.push(statuses.join('/'));
      // never both: one wins, the other is refused (409) or its session was ended first (401)
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      const active = (await Promise.all(ids.map((id) => users.findById(id)))).filter(
        (user) => user !== null && user.role === Role.ADMIN && user.disabled !== true,
      );
      expect(active).toHaveLength(1);
    }
    expect(outcomes).toHaveLength(ROUNDS);
  });
});
