import { Logger } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import type { Response } from 'supertest';
import { Role } from '../../src/common/auth-user';
import { User } from '../../src/users/user.model';
import { UsersService } from '../../src/users/users.service';
import { newSession, SignedIn, signUp, uniqueUsername, UserBody } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectFieldError, expectSuccess } from './rest-helpers';

const ENVELOPE_FIELDS = ['success', 'statusCode', 'path', 'timestamp', 'requestId', 'data'];

/** The streamed answer was not buffered into one body: no length known up front. */
function expectStreamed(res: Response): void {
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['transfer-encoding']).toBe('chunked');
  expect(res.headers['content-length']).toBeUndefined();
}

describe('GET /users without limit (streamed)', () => {
  let t: TestApp;
  let session: SignedIn;
  /** Every user in creation order. */
  let created: string[];

  const get = (path: string) => t.http.get(path).set('Authorization', bearer(session.accessToken));

  /** The whole list as a client paging with `limit` sees it. */
  async function pagedWalk(limit: number): Promise<UserBody[]> {
    const users: UserBody[] = [];
    for (;;) {
      const after = users.length === 0 ? '' : `&after=${users[users.length - 1].id}`;
      const page = expectSuccess<UserBody[]>(await get(`/users?limit=${limit}${after}`));
      if (page.length === 0) return users;
      users.push(...page);
    }
  }

  beforeAll(async () => {
    // the session check is cached long enough for the database-failure test to reach the route
    t = await createTestApp({ SESSION_CHECK_CACHE_SECONDS: '600' });
    created = [];
    for (let i = 0; i < 4; i += 1) created.push(await signUp(t.http, uniqueUsername('s')));
    session = await newSession(t.http);
    created.push(session.userId);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('answers the envelope a paged walk gives, with every user in creation order', async () => {
    const res = await get('/users').set('X-Request-Id', 'stream-req-1');
    const users = expectSuccess<UserBody[]>(res);
    expectStreamed(res);
    expect(res.body).toMatchObject({ success: true, statusCode: 200, path: '/users' });
    expect(res.body.requestId).toBe('stream-req-1');
    expect(res.headers['x-request-id']).toBe('stream-req-1');
    expect(users.map((user) => user.id)).toEqual(created);
    expect(users).toEqual(await pagedWalk(2));

    const paged = await get('/users?limit=1000');
    expect(Object.keys(res.body)).toEqual(ENVELOPE_FIELDS);
    expect(Object.keys(res.body)).toEqual(Object.keys(paged.body));
    expect(Object.keys(users[0])).toEqual(Object.keys(paged.body.data[0]));
  });

  it('honours after', async () => {
    const rest = expectSuccess<UserBody[]>(await get(`/users?after=${created[1]}`));
    expect(rest.map((user) => user.id)).toEqual(created.slice(2));
    const none = await get(`/users?after=${created[created.length - 1]}`);
    expectStreamed(none);
    expect(expectSuccess<UserBody[]>(none)).toEqual([]);
  });

  it('answers 401 without a token', async () => {
    expectError(await t.http.get('/users'), 401, 'UNAUTHORIZED');
  });

  it.each([
    ['after=abc', 'after'],
    ['after=0123456789abcdef012345678', 'after'],
    ['limit=0', 'limit'],
    ['limit=', 'limit'],
    ['unknown=1', 'unknown'],
  ])('answers ?%s with 400 VALIDATION_ERROR', async (query, field) => {
    expectFieldError(await get(`/users?${query}`), field);
  });

  it.each([
    ['before anything was written', 3],
    ['after a part was written', 2000],
  ])(
    'cuts the connection when the list fails %s, never ending a truncated body',
    async (_when, count) => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const sample = User.ofSelf({
        _id: new Types.ObjectId(),
        username: 'someone',
        role: Role.USER,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      jest.spyOn(t.app.get(UsersService), 'streamAll').mockImplementation(async function* () {
        for (let i = 0; i < count; i += 1) yield await Promise.resolve(sample);
        throw new Error('connection lost');
      });
      await expect(get('/users')).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/requestId=\S+ streamed response cut: .*connection lost/s),
      );
    },
  );

  // last: it closes the database connection
  it('answers 503 SERVICE_UNAVAILABLE when the database fails before the first user', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expectSuccess(await get('/auth/me'));
    const streamAll = jest.spyOn(t.app.get(UsersService), 'streamAll');
    await t.app.get<Connection>(getConnectionToken()).close();
    const res = await get('/users');
    expectError(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.body.path).toBe('/users');
    // the guard let the request through: the failure came from the list itself
    expect(streamAll).toHaveBeenCalled();
  });
});

describe('GET /users without limit over 20,000 users', () => {
  const COUNT = 20_000;
  let t: TestApp;
  let session: SignedIn;
  let created: string[];

  beforeAll(async () => {
    t = await createTestApp();
    session = await newSession(t.http);
    created = [session.userId];
    // straight into the collection: 20,000 sign-ups would spend minutes in bcrypt
    const users = t.app.get<Connection>(getConnectionToken()).collection('users');
    const stamp = new Date();
    for (let start = 0; start < COUNT; start += 2000) {
      const docs = Array.from({ length: Math.min(2000, COUNT - start) }, (_, i) => {
        const username = `bulk_${start + i}_${uniqueUsername('')}`.slice(0, 32);
        return {
          _id: new Types.ObjectId(),
          username,
          usernameNormalized: username.toLowerCase(),
          passwordHash: 'not-a-hash',
          role: Role.USER,
          createdAt: stamp,
          updatedAt: stamp,
        };
      });
      await users.insertMany(docs, { ordered: true });
      created.push(...docs.map((doc) => doc._id.toHexString()));
    }
  }, 600_000); // bounds for a hang only: on a loaded machine this takes minutes
  afterAll(() => t.close());

  it('streams every one of them, in _id order, as the paged list has them', async () => {
    const get = (path: string) =>
      t.http.get(path).set('Authorization', bearer(session.accessToken));
    const res = await get('/users');
    expectStreamed(res);
    const users = expectSuccess<UserBody[]>(res);
    expect(users).toHaveLength(COUNT + 1);
    // _id order is creation order but where an ObjectId's 3-byte counter wraps within a second
    // (about one run in a thousand): equal-length hex sorts as the ids do
    expect(users.map((user) => user.id)).toEqual([...created].sort());
    expect(users.find((user) => user.id === created[COUNT])).toEqual({
      id: created[COUNT],
      username: expect.stringMatching(/^bulk_19999_/),
      role: 'user',
      disabled: false,
      // another user's: the streamed list applies the same visibility as every other
      email: null,
      emailVerified: null,
      mfaEnabled: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const paged: UserBody[] = [];
    for (let after = ''; ; after = `&after=${paged[paged.length - 1].id}`) {
      const page = expectSuccess<UserBody[]>(await get(`/users?limit=1000${after}`));
      if (page.length === 0) break;
      paged.push(...page);
    }
    expect(users).toEqual(paged);
  }, 600_000);
});
