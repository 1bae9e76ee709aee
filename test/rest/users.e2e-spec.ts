import { createHash } from 'node:crypto';
import {
  cookiesNamed,
  PASSWORD,
  SignedIn,
  signIn,
  signUp,
  uniqueUsername,
  UserBody,
} from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectFieldError,
  expectSuccess,
  ISO_DATE,
  OBJECT_ID,
  RefreshTokenItem,
} from './rest-helpers';

const ADMIN = { username: 'Chief.Admin', password: 'the admin password' };
const UNKNOWN_ID = '0123456789abcdef01234567';

describe('users and refresh-token listings', () => {
  let t: TestApp;
  let admin: SignedIn;
  let alice: SignedIn;
  let bob: SignedIn;
  /** Every user in the order they were created: the seeded admin first. */
  let created: string[];

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    admin = await signIn(t.http, ADMIN.username, ADMIN.password);
    created = [admin.userId];
    for (let i = 0; i < 5; i += 1) created.push(await signUp(t.http, uniqueUsername(`u${i}_`)));
    const aliceName = uniqueUsername('alice');
    created.push(await signUp(t.http, aliceName));
    alice = await signIn(t.http, aliceName);
    const bobName = uniqueUsername('bob');
    created.push(await signUp(t.http, bobName));
    bob = await signIn(t.http, bobName);
  });
  afterAll(() => t.close());

  const get = (path: string, accessToken = alice.accessToken) =>
    t.http.get(path).set('Authorization', bearer(accessToken));

  describe('GET /auth/me', () => {
    it('answers the caller', async () => {
      const me = expectSuccess<UserBody>(await get('/auth/me'));
      expect(me).toEqual({
        id: alice.userId,
        username: alice.username,
        role: 'user',
        disabled: false,
        email: null,
        emailVerified: false,
        mfaEnabled: false,
        createdAt: expect.stringMatching(ISO_DATE),
        updatedAt: expect.stringMatching(ISO_DATE),
      });
      expect(expectSuccess<UserBody>(await get('/auth/me', admin.accessToken)).role).toBe('admin');
    });

    it('answers 401 without a token', async () => {
      expectError(await t.http.get('/auth/me'), 401, 'UNAUTHORIZED');
    });
  });

  describe('GET /users', () => {
    it('lists every user in creation order, without secrets', async () => {
      const res = await get('/users');
      const users = expectSuccess<UserBody[]>(res);
      expect(users.map((user) => user.id)).toEqual(created);
      for (const user of users) {
        // the private fields are the caller's own only
        const own = user.id === alice.userId;
        expect(user).toEqual({
          id: expect.stringMatching(OBJECT_ID),
          username: expect.any(String),
          role: expect.stringMatching(/^(user|admin)$/),
          disabled: false,
          email: null,
          emailVerified: own ? false : null,
          mfaEnabled: own ? false : null,
          createdAt: expect.stringMatching(ISO_DATE),
          updatedAt: expect.stringMatching(ISO_DATE),
        });
      }
      expect(users[0]).toMatchObject({ username: ADMIN.username, role: 'admin' });
      expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$/i);
    });

    it('pages with limit and after', async () => {
      const first = expectSuccess<UserBody[]>(await get('/users?limit=3'));
      expect(first.map((user) => user.id)).toEqual(created.slice(0, 3));

      const pages: string[] = [];
      let after: string | undefined;
      for (;;) {
        const query = after === undefined ? '?limit=2' : `?limit=2&after=${after}`;
        const page = expectSuccess<UserBody[]>(await get(`/users${query}`));
        expect(page.length).toBeLessThanOrEqual(2);
        if (page.length === 0) break;
        pages.push(...page.map((user) => user.id));
        after = page[page.length - 1].id;
      }
      expect(pages).toEqual(created);

      const rest = expectSuccess<UserBody[]>(await get(`/users?after=${created[4]}`));
      expect(rest.map((user) => user.id)).toEqual(created.slice(5));
      expect(expectSuccess<UserBody[]>(await get('/users?limit=1')).map((u) => u.id)).toEqual([
        created[0],
      ]);
      expect(expectSuccess<UserBody[]>(await get('/users?limit=1000'))).toHaveLength(
        created.length,
      );
    });

    it.each(['0', '1001', '-1', '1.5', 'abc', '', '10abc', '1e2', '0x10', '+5', '%205'])(
      'answers limit=%j with 400 VALIDATION_ERROR',
      async (limit) => {
        expectFieldError(await get(`/users?limit=${limit}`), 'limit');
      },
    );

    it.each(['abc', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef012345678'])(
      'answers after=%j with 400 VALIDATION_ERROR',
      async (after) => {
        expectFieldError(await get(`/users?after=${after}`), 'after');
      },
    );

    it('answers 401 without a token', async () => {
      expectError(await t.http.get('/users'), 401, 'UNAUTHORIZED');
    });
  });

  describe('GET /users/{id}', () => {
    it('answers any authenticated user with the user', async () => {
      const user = expectSuccess<UserBody>(await get(`/users/${bob.userId}`));
      expect(user).toMatchObject({ id: bob.userId, username: bob.username, role: 'user' });
      expect(Object.keys(user)).not.toContain('password');
    });

    it('answers a well-formed unknown id with 404 NOT_FOUND', async () => {
      expect(expectError(await get(`/users/${UNKNOWN_ID}`), 404, 'NOT_FOUND').details).toEqual([]);
    });

    it.each(['abc', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef012345678', '{"$ne":null}'])(
      'answers the malformed id %j with 400 VALIDATION_ERROR',
      async (id) => {
        expectFieldError(await get(`/users/${encodeURIComponent(id)}`), 'id');
      },
    );
  });

  describe('GET /users/{id}/refresh-tokens', () => {
    const FIELDS = [
      'id',
      'createdAt',
      'expiresAt',
      'createdByIp',
      'userAgent',
      'revokedAt',
      'revokedByIp',
      'revokedReason',
      'replacedBy',
      'isExpired',
      'isActive',
    ];

    it('lists the owner its tokens with every field, never the token or its hash', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const signedIn = await t.http
        .post('/auth/sign-in')
        .set('User-Agent', 'e2e-agent/2.0 (listing)')
        .send({ username, password: PASSWORD });
      const { accessToken, user } = expectSuccess<{ accessToken: string; user: UserBody }>(
        signedIn,
      );
      const token = cookiesNamed(signedIn)[0].value;

      const res = await get(`/users/${user.id}/refresh-tokens`, accessToken);
      const tokens = expectSuccess<RefreshTokenItem[]>(res);
      expect(tokens).toHaveLength(1);
      expect(Object.keys(tokens[0]).sort()).toEqual(expect.arrayContaining([...FIELDS].sort()));
      expect(tokens[0]).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(OBJECT_ID),
          createdAt: expect.stringMatching(ISO_DATE),
          expiresAt: expect.stringMatching(ISO_DATE),
          // an IPv4 client as IPv4, not as the dual-stack socket's ::ffff:127.0.0.1
          createdByIp: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
          userAgent: 'e2e-agent/2.0 (listing)',
          revokedAt: null,
          revokedByIp: null,
          revokedReason: null,
          replacedBy: null,
          isExpired: false,
          isActive: true,
        }),
      );
      const lifetime = Date.parse(tokens[0].expiresAt) - Date.parse(tokens[0].createdAt);
      expect(lifetime).toBe(t.config.refresh.ttlSeconds * 1000);

      const body = JSON.stringify(res.body);
      const digest = createHash('sha256').update(token).digest();
      for (const secret of [
        token,
        digest.toString('hex'),
        digest.toString('base64'),
        digest.toString('base64url'),
      ]) {
        expect(body).not.toContain(secret);
      }
      expect(body).not.toMatch(/"(token|tokenHash|hash|value)"/i);
    });

    it('records a missing User-Agent as null', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const res = await t.http
        .post('/auth/sign-in')
        .unset('User-Agent')
        .send({ username, password: PASSWORD });
      const { accessToken, user } = expectSuccess<{ accessToken: string; user: UserBody }>(res);
      const tokens = expectSuccess<RefreshTokenItem[]>(
        await get(`/users/${user.id}/refresh-tokens`, accessToken),
      );
      expect(tokens[0].userAgent).toBeNull();
    });

    it("answers 403 FORBIDDEN for another user's tokens", async () => {
      const error = expectError(await get(`/users/${bob.userId}/refresh-tokens`), 403, 'FORBIDDEN');
      expect(error.details).toEqual([]);
      // even for an id that does not exist: only an admin may learn that
      expectError(await get(`/users/${UNKNOWN_ID}/refresh-tokens`), 403, 'FORBIDDEN');
    });

    it('pages with `limit` and `after` like every list, and refuses anything else', async () => {
      await signIn(t.http, alice.username);
      const all = expectSuccess<RefreshTokenItem[]>(
        await get(`/users/${alice.userId}/refresh-tokens`),
      );
      expect(all.length).toBeGreaterThanOrEqual(2);
      const first = expectSuccess<RefreshTokenItem[]>(
        await get(`/users/${alice.userId}/refresh-tokens?limit=1`),
      );
      expect(first.map((token) => token.id)).toEqual([all[0].id]);
      const next = expectSuccess<RefreshTokenItem[]>(
        await get(`/users/${alice.userId}/refresh-tokens?limit=1&after=${first[0].id}`),
      );
      expect(next.map((token) => token.id)).toEqual([all[1].id]);
      for (const query of ['?limit=0', '?limit=1001', '?after=zzz', '?other=1']) {
        const error = expectError(
          await get(`/users/${alice.userId}/refresh-tokens${query}`),
          400,
          'VALIDATION_ERROR',
        );
        expect(error.details).toHaveLength(1);
      }
    });

    it("lets an admin list anyone's tokens", async () => {
      const tokens = expectSuccess<RefreshTokenItem[]>(
        await get(`/users/${bob.userId}/refresh-tokens`, admin.accessToken),
      );
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      expect(tokens.some((token) => token.isActive)).toBe(true);
    });

    it('answers an admin with 404 NOT_FOUND for an unknown user', async () => {
      expectError(
        await get(`/users/${UNKNOWN_ID}/refresh-tokens`, admin.accessToken),
        404,
        'NOT_FOUND',
      );
    });

    it('answers a malformed id with 400 VALIDATION_ERROR', async () => {
      expectFieldError(await get('/users/not-an-id/refresh-tokens', admin.accessToken), 'id');
    });

    it('answers 401 without a token', async () => {
      expectError(await t.http.get(`/users/${bob.userId}/refresh-tokens`), 401, 'UNAUTHORIZED');
    });

    it('ignores X-Forwarded-For without TRUST_PROXY', async () => {
      const username = uniqueUsername();
      await signUp(t.http, username);
      const res = await t.http
        .post('/auth/sign-in')
        .set('X-Forwarded-For', '203.0.113.7')
        .send({ username, password: PASSWORD });
      const { accessToken, user } = expectSuccess<{ accessToken: string; user: UserBody }>(res);
      const [token] = expectSuccess<RefreshTokenItem[]>(
        await get(`/users/${user.id}/refresh-tokens`, accessToken),
      );
      expect(token.createdByIp).not.toContain('203.0.113.7');
    });
  });
});

describe('client IPs behind one trusted proxy (TRUST_PROXY=loopback)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ TRUST_PROXY: 'loopback', SESSION_CHECK_CACHE_SECONDS: '0' });
  });
  afterAll(() => t.close());

  it('records createdByIp and revokedByIp from X-Forwarded-For, ignoring a spoofed left-most entry', async () => {
    const username = uniqueUsername();
    await signUp(t.http, username);
    const session = await t.http
      .post('/auth/sign-in')
      .set('X-Forwarded-For', '6.6.6.6, 203.0.113.7')
      .send({ username, password: PASSWORD });
    const { accessToken, user } = expectSuccess<{ accessToken: string; user: UserBody }>(session);
    const other = await signIn(t.http, username);
    await t.http
      .post('/auth/logout')
      .set('Authorization', bearer(accessToken))
      // an IPv4 client reported in its IPv6-mapped form is recorded as IPv4
      .set('X-Forwarded-For', '1.2.3.4,::ffff:198.51.100.9')
      .expect(200);

    const tokens = expectSuccess<RefreshTokenItem[]>(
      await t.http
        .get(`/users/${user.id}/refresh-tokens`)
        .set('Authorization', bearer(other.accessToken)),
    );
    const ended = tokens.find((token) => !token.isActive)!;
    expect(ended).toMatchObject({
      createdByIp: '203.0.113.7',
      revokedByIp: '198.51.100.9',
      revokedReason: 'logout',
    });
  });
});
