import type { Response } from 'supertest';
import { PASSWORD, signIn, uniqueUsername, UserBody } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectFieldError,
  expectSuccess,
  ISO_DATE,
  OBJECT_ID,
} from './rest-helpers';

/** No password, and nothing that looks like a bcrypt hash, anywhere in a body. */
function expectNoSecrets(res: Response, password: string): void {
  const text = JSON.stringify(res.body);
  expect(text).not.toContain(password);
  expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
  expect(text).not.toMatch(/"(password|passwordHash|hash|usernameNormalized)"/i);
}

describe('POST /auth/sign-up', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const signUp = (body: unknown) => t.http.post('/auth/sign-up').send(body as object);

  it('creates a user: 201 with the User and no password or hash', async () => {
    const username = uniqueUsername('New.User-');
    const res = await signUp({ username, password: PASSWORD });
    const user = expectSuccess<UserBody>(res, 201);
    expect(user).toEqual({
      id: expect.stringMatching(OBJECT_ID),
      username,
      role: 'user',
      disabled: false,
      email: null,
      emailVerified: false,
      mfaEnabled: false,
      createdAt: expect.stringMatching(ISO_DATE),
      updatedAt: expect.stringMatching(ISO_DATE),
    });
    expect(Math.abs(Date.parse(user.createdAt) - Date.now())).toBeLessThan(60_000);
    expectNoSecrets(res, PASSWORD);

    const session = await signIn(t.http, username);
    expect(session.userId).toBe(user.id);
    const read = await t.http
      .get(`/users/${user.id}`)
      .set('Authorization', bearer(session.accessToken));
    expect(expectSuccess(read)).toEqual(user);
  });

  describe('username', () => {
    // each database is fresh, so these names are free
    it.each([
      ['3 characters', 'aB3'],
      ['32 characters', 'Z'.repeat(31) + '9'],
      ['every allowed kind of character', 'Az.09_-x'],
    ])('accepts %s', async (_what, username) => {
      const user = expectSuccess<UserBody>(await signUp({ username, password: PASSWORD }), 201);
      expect(user.username).toBe(username);
    });

    it.each([
      ['2 characters', 'ab'],
      ['33 characters', 'a'.repeat(33)],
      ['a space', 'has space'],
      ['a non-ASCII letter', 'émile'],
      ['an @', 'a@b.c'],
      ['a $', '$where'],
      ['a slash', 'a/b/c'],
      ['an empty string', ''],
    ])('refuses a username with %s', async (_what, username) => {
      expectFieldError(await signUp({ username, password: PASSWORD }), 'username');
    });

    it('is unique without regard to case: 409 USERNAME_TAKEN', async () => {
      const username = uniqueUsername('MixedCase');
      expectSuccess(await signUp({ username, password: PASSWORD }), 201);
      for (const variant of [username, username.toLowerCase(), username.toUpperCase()]) {
        const error = expectError(
          await signUp({ username: variant, password: 'another password' }),
          409,
          'USERNAME_TAKEN',
        );
        expect(error.details).toEqual([]);
      }
      // the first owner keeps the name and the password
      await signIn(t.http, username);
    });

    it('lets exactly one of concurrent sign-ups with one name (any case) win', async () => {
      const username = uniqueUsername('race');
      const variants = [username, username.toUpperCase(), username, username.toLowerCase()];
      const responses = await Promise.all(
        [...variants, ...variants].map((name) => signUp({ username: name, password: PASSWORD })),
      );
      const statuses = responses.map((res) => res.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const res of responses.filter((r) => r.status === 409))
        expectError(res, 409, 'USERNAME_TAKEN');
    });
  });

  describe('password, counted in UTF-8 bytes', () => {
    const e = 'é'; // 2 bytes in UTF-8

    it.each([
      ['8 ASCII bytes', 'a'.repeat(8)],
      ['72 ASCII bytes', 'a'.repeat(72)],
      ['72 bytes of 2-byte characters (36 characters)', e.repeat(36)],
      ['8 bytes in 4 characters', e.repeat(4)],
      ['70 bytes of 4-byte emoji plus 2', '😀'.repeat(17) + 'ab'],
    ])('accepts %s, and the password then signs in', async (_what, password) => {
      const username = uniqueUsername();
      const res = await signUp({ username, password });
      expectSuccess(res, 201);
      expectNoSecrets(res, password);
      const signedIn = await t.http.post('/auth/sign-in').send({ username, password });
      expectSuccess(signedIn);
      expectNoSecrets(signedIn, password);
    });

    it.each([
      ['7 ASCII bytes', 'a'.repeat(7)],
      ['7 bytes though 4 characters', e.repeat(3) + 'a'],
      ['73 ASCII bytes', 'a'.repeat(73)],
      ['73 bytes though 37 characters', e.repeat(36) + 'a'],
      ['74 bytes though 37 characters', e.repeat(37)],
      ['an empty string', ''],
    ])('refuses %s with a field error', async (_what, password) => {
      const username = uniqueUsername();
      expectFieldError(await signUp({ username, password }), 'password');
      // nothing was created
      expectError(
        await t.http.post('/auth/sign-in').send({ username, password: PASSWORD }),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    it('never cuts a 72-byte password: a different 72nd byte does not sign in', async () => {
      const username = uniqueUsername();
      expectSuccess(await signUp({ username, password: 'p'.repeat(71) + 'A' }), 201);
      expectError(
        await t.http.post('/auth/sign-in').send({ username, password: 'p'.repeat(71) + 'B' }),
        401,
        'INVALID_CREDENTIALS',
      );
    });
  });

  describe('shape of the body', () => {
    it.each([
      ['a numeric username', { username: 12345, password: PASSWORD }, 'username'],
      ['a numeric password', { username: 'someone', password: 12345678 }, 'password'],
      ['an array password', { username: 'someone', password: [PASSWORD] }, 'password'],
      ['a boolean username', { username: true, password: PASSWORD }, 'username'],
      ['a null password', { username: 'someone', password: null }, 'password'],
      ['no password', { username: 'someone' }, 'password'],
      ['no username', { password: PASSWORD }, 'username'],
      ['an unknown field', { username: 'someone', password: PASSWORD, isAdmin: true }, 'isAdmin'],
      ['a role field', { username: 'someone', password: PASSWORD, role: 'admin' }, 'role'],
    ])('refuses %s with 400 VALIDATION_ERROR', async (_what, body, field) => {
      expectFieldError(await signUp(body), field);
    });

    it.each([
      ['malformed JSON', '{"username": "abc", "password": "12345678"'],
      ['a JSON string', '"just a string"'],
      ['JSON null', 'null'],
      ['a JSON array', '[{"username": "abcdef", "password": "12345678"}]'],
      ['an empty body', ''],
    ])('refuses %s with 400 VALIDATION_ERROR', async (_what, raw) => {
      const res = await t.http
        .post('/auth/sign-up')
        .set('Content-Type', 'application/json')
        .send(raw);
      expectError(res, 400, 'VALIDATION_ERROR');
    });

    // raw JSON: an object literal's __proto__ would set the prototype instead of a key
    it.each([
      ['__proto__', '{"username":"proto.user","password":"12345678","__proto__":{"role":"admin"}}'],
      [
        'constructor',
        '{"username":"proto.user","password":"12345678","constructor":{"prototype":{"role":"admin"}}}',
      ],
    ])('refuses a %s key like any unknown field', async (field, raw) => {
      const res = await t.http
        .post('/auth/sign-up')
        .set('Content-Type', 'application/json')
        .send(raw);
      expectFieldError(res, field);
      expectError(
        await t.http.post('/auth/sign-in').send({ username: 'proto.user', password: '12345678' }),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    it('refuses a body larger than BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await signUp({ username: uniqueUsername(), password: 'z'.repeat(20_000) });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it.each([
      ['username', { username: { $ne: null }, password: PASSWORD }],
      ['username', { username: { $gt: '' }, password: PASSWORD }],
      ['password', { username: 'someone', password: { $ne: null } }],
    ])('refuses a MongoDB operator in %s with 400', async (field, body) => {
      expectFieldError(await signUp(body), field);
    });
  });
});
