import { createPublicKey, randomUUID } from 'node:crypto';
import { newSession, SignedIn, decodeAccessToken } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import {
  bearer,
  expectError,
  expectSuccess,
  hmacForgery,
  newEcKey,
  nowSeconds,
  resign,
  unsigned,
} from './rest-helpers';

describe('access tokens', () => {
  let t: TestApp;
  let session: SignedIn;
  beforeAll(async () => {
    t = await createTestApp({ SESSION_CHECK_CACHE_SECONDS: '0' });
    session = await newSession(t.http);
  });
  afterAll(() => t.close());

  const me = (authorization?: string) => {
    const req = t.http.get('/auth/me');
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };
  const expectRefused = async (authorization?: string) => {
    const error = expectError(await me(authorization), 401, 'UNAUTHORIZED');
    expect(error.details).toEqual([]);
  };

  it('accepts the issued token, and the same claims signed again as the app does', async () => {
    expect(expectSuccess<{ id: string }>(await me(bearer(session.accessToken))).id).toBe(
      session.userId,
    );
    // the control for the forgeries below: only the named change makes them fail
    expect((await me(bearer(resign(session.accessToken, t.config)))).status).toBe(200);
  });

  it('refuses a missing Authorization header', async () => {
    await expectRefused();
  });

  it.each([
    ['an empty bearer', 'Bearer '],
    ['a bare scheme', 'Bearer'],
    ['garbage', 'Bearer not-a-jwt'],
    ['three garbage segments', 'Bearer a.b.c'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
  ])('refuses %s', async (_what, authorization) => {
    await expectRefused(authorization);
  });

  it('refuses the token under another scheme name', async () => {
    await expectRefused(`Token ${session.accessToken}`);
  });

  it('refuses an expired token', async () => {
    const now = nowSeconds();
    await expectRefused(
      bearer(resign(session.accessToken, t.config, { claims: { iat: now - 120, exp: now - 60 } })),
    );
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    await expectRefused(
      bearer(resign(session.accessToken, t.config, { claims: { nbf: nowSeconds() + 300 } })),
    );
  });

  it('refuses a token signed with another key under our kid', async () => {
    const forged = resign(session.accessToken, t.config, { key: newEcKey().privateKey });
    expect(decodeAccessToken(forged).header.kid).toBe(t.config.jwt.keys.signingKeyId);
    await expectRefused(bearer(forged));
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = session.accessToken.split('.');
    const claims = { ...decodeAccessToken(session.accessToken).payload, role: 'admin' };
    const tampered = Buffer.from(JSON.stringify(claims)).toString('base64url');
    await expectRefused(bearer(`${header}.${tampered}.${signature}`));
  });

  it('refuses alg none, with or without a signature', async () => {
    const token = unsigned(session.accessToken);
    await expectRefused(bearer(token));
    await expectRefused(bearer(token + session.accessToken.split('.')[2]));
  });

  it.each(['HS256', 'HS384', 'HS512'] as const)(
    'refuses %s made with our public key (PEM or JWK) as the HMAC secret',
    async (algorithm) => {
      const publicKey = createPublicKey(t.config.jwt.keys.signingKey);
      for (const secret of [
        publicKey.export({ format: 'pem', type: 'spki' }),
        publicKey.export({ format: 'der', type: 'spki' }),
        JSON.stringify(publicKey.export({ format: 'jwk' })),
      ]) {
        await expectRefused(bearer(hmacForgery(session.accessToken, secret, {}, algorithm)));
      }
    },
  );

  it('refuses a token whose kid names no key we accept, or that names none', async () => {
    const stranger = newEcKey();
    await expectRefused(
      bearer(
        resign(session.accessToken, t.config, {
          key: stranger.privateKey,
          header: { kid: stranger.kid },
        }),
      ),
    );
    await expectRefused(
      bearer(resign(session.accessToken, t.config, { header: { kid: undefined } })),
    );
  });

  it('refuses another issuer', async () => {
    await expectRefused(
      bearer(resign(session.accessToken, t.config, { claims: { iss: 'someone-else' } })),
    );
  });

  it.each(['sub', 'sid', 'iat', 'exp', 'jti'])(
    'refuses a token signed with the real key but without %s',
    async (claim) => {
      const forged = resign(session.accessToken, t.config, { claims: { [claim]: undefined } });
      expect(decodeAccessToken(forged).payload).not.toHaveProperty(claim);
      await expectRefused(bearer(forged));
    },
  );

  it('refuses another audience', async () => {
    await expectRefused(
      bearer(resign(session.accessToken, t.config, { claims: { aud: 'other-clients' } })),
    );
  });

  it.each([
    ['JWT', 'JWT'],
    ['an id token type', 'id+jwt'],
    ['none', undefined],
  ])('refuses typ %s', async (_what, typ) => {
    const forged = resign(session.accessToken, t.config, { header: { typ } });
    expect(decodeAccessToken(forged).header.typ).toBe(typ);
    await expectRefused(bearer(forged));
  });

  it('refuses a refresh token used as a bearer token', async () => {
    await expectRefused(bearer(session.refreshToken));
  });

  it.each([
    ['sid', { sid: undefined }],
    ['fresh', { fresh: undefined }],
    ['sub', { sub: undefined }],
    ['role', { role: undefined }],
    ['a malformed sub', { sub: 'not-an-object-id' }],
    ['an unknown role', { role: 'superuser' }],
  ])('refuses a token without a valid %s', async (_what, claims) => {
    await expectRefused(bearer(resign(session.accessToken, t.config, { claims })));
  });

  it('refuses a well-signed token for a session that does not exist', async () => {
    await expectRefused(
      bearer(resign(session.accessToken, t.config, { claims: { sid: randomUUID() } })),
    );
  });

  it('guards every bearer route, and leaves the public ones open', async () => {
    const id = session.userId;
    const guarded = await Promise.all([
      t.http.get('/auth/me'),
      t.http.get('/users'),
      t.http.get(`/users/${id}`),
      t.http.get(`/users/${id}/refresh-tokens`),
      t.http.post('/auth/logout'),
      t.http.post('/auth/revoke-token').set('Cookie', session.cookie).send({}),
      t.http.post('/auth/change-password').send({ currentPassword: 'x', newPassword: 'y' }),
    ]);
    for (const res of guarded) expectError(res, 401, 'UNAUTHORIZED');

    expect((await t.http.get('/health')).status).toBe(200);
    // public routes answer with their own codes, not UNAUTHORIZED
    expectError(await t.http.post('/auth/refresh-token'), 401, 'INVALID_REFRESH_TOKEN');
    expectError(
      await t.http.post('/auth/sign-in').send({ username: 'nobody', password: 'whatever1' }),
      401,
      'INVALID_CREDENTIALS',
    );
  });
});
