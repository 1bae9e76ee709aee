import {
  ChangePasswordDocument,
  LogoutDocument,
  MeDocument,
  RefreshTokenDocument,
  RefreshTokensDocument,
  RevokeTokenDocument,
  SignInDocument,
  SignUpDocument,
} from '../generated/graphql';
import {
  PASSWORD,
  refreshCookieFrom,
  uniqueUsername,
  cookieAttributes,
  decodeAccessToken,
  setCookies,
} from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import {
  adminSession,
  createGraphqlApp,
  graphqlSession,
  graphqlSignIn,
} from './support/graphql-app';
import { execute, onlyError } from './support/graphql-client';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GraphQL auth mutations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createGraphqlApp();
  });
  afterAll(() => t.close());

  describe('signUp', () => {
    it('creates a user and answers the User, never a password', async () => {
      const username = uniqueUsername('Gql.');
      const { data, errors, response } = await execute(t.http, SignUpDocument, {
        input: { username, password: PASSWORD },
      });
      expect(response.status).toBe(200);
      expect(errors).toBeUndefined();
      expect(data!.signUp).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        username,
        role: 'user',
        disabled: false,
        createdAt: expect.stringMatching(ISO_DATE),
        updatedAt: expect.stringMatching(ISO_DATE),
      });
      expect(response.text).not.toContain(PASSWORD);
    });

    it('refuses a taken username, whatever its case, with CONFLICT', async () => {
      const username = uniqueUsername('taken');
      await execute(t.http, SignUpDocument, { input: { username, password: PASSWORD } });
      const result = await execute(t.http, SignUpDocument, {
        input: { username: username.toUpperCase(), password: PASSWORD },
      });
      expect(result.data).toBeNull();
      expect(onlyError(result)).toMatchObject({
        path: ['signUp'],
        extensions: { code: 'CONFLICT', errorCode: 'USERNAME_TAKEN' },
      });
    });

    it('refuses invalid input with BAD_USER_INPUT listing the fields', async () => {
      const result = await execute(t.http, SignUpDocument, {
        input: { username: 'no', password: 'x'.repeat(73) },
      });
      const error = onlyError(result);
      expect(error.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
      });
      expect(error.extensions.details!.map((detail) => detail.field).sort()).toEqual([
        'password',
        'username',
      ]);
    });
  });

  describe('signIn', () => {
    it('answers the AuthPayload and sets the refresh cookie with the same attributes as REST', async () => {
      const username = uniqueUsername();
      await execute(t.http, SignUpDocument, { input: { username, password: PASSWORD } });

      const { data, errors, response } = await execute(t.http, SignInDocument, {
        input: { username, password: PASSWORD },
      });
      expect(errors).toBeUndefined();
      const payload = data!.signIn;
      expect(payload).toMatchObject({ tokenType: 'Bearer', user: { username, role: 'user' } });
      const claims = decodeAccessToken(payload.accessToken).payload;
      expect(payload.expiresIn).toBe(claims.exp - claims.iat);
      expect(claims).toMatchObject({ sub: payload.user.id, fresh: true });

      const graphqlCookie = setCookies(response).find((line) => line.startsWith('refreshToken='))!;
      expect(graphqlCookie).toMatch(/^refreshToken=[A-Za-z0-9_-]{43,};/);
      const rest = await t.http
        .post('/auth/sign-in')
        .send({ username, password: PASSWORD })
        .expect(200);
      const restCookie = setCookies(rest).find((line) => line.startsWith('refreshToken='))!;
      expect(cookieAttributes(graphqlCookie)).toEqual(cookieAttributes(restCookie));
      expect(cookieAttributes(graphqlCookie)).toEqual(
        [`Max-Age=${t.config.refresh.ttlSeconds}`, 'HttpOnly', 'Path=/', 'SameSite=Strict'].sort(),
      );
    });

    it('gives the same UNAUTHENTICATED answer for a wrong password and an unknown user', async () => {
      const { username } = await graphqlSession(t.http);
      const wrongPassword = await execute(t.http, SignInDocument, {
        input: { username, password: 'wrong password' },
      });
      const unknownUser = await execute(t.http, SignInDocument, {
        input: { username: uniqueUsername('nobody'), password: PASSWORD },
      });
      for (const result of [wrongPassword, unknownUser]) {
        expect(onlyError(result)).toMatchObject({
          message: 'Invalid username or password',
          extensions: { code: 'UNAUTHENTICATED', errorCode: 'INVALID_CREDENTIALS' },
        });
        expect(setCookies(result.response)).toEqual([]);
      }
    });
  });

  describe('me', () => {
    it('answers the caller', async () => {
      const session = await graphqlSession(t.http);
      const { data, errors } = await execute(
        t.http,
        MeDocument,
        {},
        { token: session.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data!.me).toMatchObject({ id: session.userId, username: session.username });
    });

    it('is UNAUTHENTICATED without a valid access token', async () => {
      for (const token of [undefined, 'not-a-jwt']) {
        const result = await execute(t.http, MeDocument, {}, { token });
        expect(result.data).toBeNull();
        expect(onlyError(result).extensions).toMatchObject({
          code: 'UNAUTHENTICATED',
          errorCode: 'UNAUTHORIZED',
        });
      }
    });
  });

  describe('refreshToken', () => {
    it('reads the cookie, rotates it and answers like signIn with a non-fresh token', async () => {
      const session = await graphqlSession(t.http);
      const { data, errors, response } = await execute(
        t.http,
        RefreshTokenDocument,
        {},
        { cookie: session.cookie },
      );
      expect(errors).toBeUndefined();
      expect(data!.refreshToken).toMatchObject({
        tokenType: 'Bearer',
        user: { id: session.userId },
      });
      expect(decodeAccessToken(data!.refreshToken.accessToken).payload).toMatchObject({
        sid: decodeAccessToken(session.accessToken).payload.sid,
        fresh: false,
      });

      const next = refreshCookieFrom(response);
      expect(next).toBeDefined();
      expect(next).not.toBe(session.cookie);
      const nextLine = setCookies(response).find((line) => line.startsWith('refreshToken='))!;
      expect(cookieAttributes(nextLine)).toContain('HttpOnly');

      const tokens = await execute(
        t.http,
        RefreshTokensDocument,
        { userId: session.userId },
        { token: session.accessToken },
      );
      const [successor, parent] = tokens.data!.refreshTokens;
      expect(parent).toMatchObject({
        revokedReason: 'rotated',
        replacedBy: successor.id,
        isActive: false,
      });
      expect(successor).toMatchObject({ revokedAt: null, isActive: true });
    });

    it('answers a tab that lost the race within the grace window without a new cookie', async () => {
      const session = await graphqlSession(t.http);
      const first = await execute(t.http, RefreshTokenDocument, {}, { cookie: session.cookie });
      expect(first.errors).toBeUndefined();
      const second = await execute(t.http, RefreshTokenDocument, {}, { cookie: session.cookie });
      expect(second.errors).toBeUndefined();
      expect(second.data!.refreshToken.user.id).toBe(session.userId);
      expect(setCookies(second.response)).toEqual([]);
    });

    it('treats an older ancestor as theft: REFRESH_TOKEN_REUSED, and the session is over', async () => {
      const session = await graphqlSession(t.http);
      const first = await execute(t.http, RefreshTokenDocument, {}, { cookie: session.cookie });
      const second = await execute(
        t.http,
        RefreshTokenDocument,
        {},
        { cookie: refreshCookieFrom(first.response)! },
      );
      const latest = refreshCookieFrom(second.response)!;

      const reused = await execute(t.http, RefreshTokenDocument, {}, { cookie: session.cookie });
      expect(onlyError(reused).extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        errorCode: 'REFRESH_TOKEN_REUSED',
      });

      const afterTheft = await execute(t.http, RefreshTokenDocument, {}, { cookie: latest });
      expect(onlyError(afterTheft).extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        errorCode: 'INVALID_REFRESH_TOKEN',
      });
    });

    it('is UNAUTHENTICATED without a cookie or with an unknown one', async () => {
      for (const cookie of [undefined, 'refreshToken=unknown-token']) {
        const result = await execute(t.http, RefreshTokenDocument, {}, { cookie });
        expect(onlyError(result).extensions).toMatchObject({
          code: 'UNAUTHENTICATED',
          errorCode: 'INVALID_REFRESH_TOKEN',
        });
      }
    });
  });

  describe('logout', () => {
    it('ends the session and clears the cookie, with or without the cookie', async () => {
      for (const sendCookie of [true, false]) {
        const session = await graphqlSession(t.http);
        const { data, errors, response } = await execute(
          t.http,
          LogoutDocument,
          {},
          { token: session.accessToken, cookie: sendCookie ? session.cookie : undefined },
        );
        expect(errors).toBeUndefined();
        expect(data).toEqual({ logout: true });
        const cleared = setCookies(response).find((line) => line.startsWith('refreshToken='))!;
        expect(cleared).toMatch(/^refreshToken=;/);
        expect(cleared).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
        expect(cookieAttributes(cleared)).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);

        const me = await execute(t.http, MeDocument, {}, { token: session.accessToken });
        expect(onlyError(me).extensions.code).toBe('UNAUTHENTICATED');
        const refresh = await execute(t.http, RefreshTokenDocument, {}, { cookie: session.cookie });
        expect(onlyError(refresh).extensions.errorCode).toBe('INVALID_REFRESH_TOKEN');
      }
    });

    it('is UNAUTHENTICATED without an access token', async () => {
      const result = await execute(t.http, LogoutDocument, {});
      expect(onlyError(result).extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('revokeToken', () => {
    it('revokes the token given as argument and leaves the cookie alone', async () => {
      const session = await graphqlSession(t.http);
      const other = await graphqlSignIn(t.http, session.username);
      const { data, errors, response } = await execute(
        t.http,
        RevokeTokenDocument,
        { token: other.refreshToken },
        { token: session.accessToken, cookie: session.cookie },
      );
      expect(errors).toBeUndefined();
      expect(data).toEqual({ revokeToken: true });
      expect(setCookies(response)).toEqual([]);
      const refresh = await execute(t.http, RefreshTokenDocument, {}, { cookie: other.cookie });
      expect(onlyError(refresh).extensions.errorCode).toBe('INVALID_REFRESH_TOKEN');
    });

    it("revokes the cookie's token when no argument is given, and clears the cookie", async () => {
      const session = await graphqlSession(t.http);
      const { data, response } = await execute(
        t.http,
        RevokeTokenDocument,
        {},
        { token: session.accessToken, cookie: session.cookie },
      );
      expect(data).toEqual({ revokeToken: true });
      expect(refreshCookieFrom(response)).toBeUndefined();
      expect(setCookies(response).find((line) => line.startsWith('refreshToken=;'))).toBeDefined();
    });

    it('answers the contract codes for missing, unknown and foreign tokens', async () => {
      const session = await graphqlSession(t.http);
      const stranger = await graphqlSession(t.http);

      const missing = await execute(
        t.http,
        RevokeTokenDocument,
        {},
        { token: session.accessToken },
      );
      expect(onlyError(missing).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'TOKEN_REQUIRED',
      });

      const unknown = await execute(
        t.http,
        RevokeTokenDocument,
        { token: 'unknown' },
        { token: session.accessToken },
      );
      expect(onlyError(unknown).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'INVALID_TOKEN',
      });

      const foreign = await execute(
        t.http,
        RevokeTokenDocument,
        { token: stranger.refreshToken },
        { token: session.accessToken },
      );
      expect(onlyError(foreign).extensions).toMatchObject({
        code: 'FORBIDDEN',
        errorCode: 'FORBIDDEN',
      });

      const admin = await adminSession(t.http);
      const byAdmin = await execute(
        t.http,
        RevokeTokenDocument,
        { token: stranger.refreshToken },
        { token: admin.accessToken },
      );
      expect(byAdmin.data).toEqual({ revokeToken: true });

      const again = await execute(
        t.http,
        RevokeTokenDocument,
        { token: stranger.refreshToken },
        { token: admin.accessToken },
      );
      expect(onlyError(again).extensions.errorCode).toBe('INVALID_TOKEN');
    });
  });

  describe('changePassword', () => {
    it('changes the password with a fresh token and ends the other sessions', async () => {
      const session = await graphqlSession(t.http);
      const otherSession = await graphqlSignIn(t.http, session.username);
      const newPassword = 'a brand new passphrase';

      const { data, errors } = await execute(
        t.http,
        ChangePasswordDocument,
        { input: { currentPassword: PASSWORD, newPassword } },
        { token: session.accessToken },
      );
      expect(errors).toBeUndefined();
      expect(data).toEqual({ changePassword: true });

      const oldPassword = await execute(t.http, SignInDocument, {
        input: { username: session.username, password: PASSWORD },
      });
      expect(onlyError(oldPassword).extensions.errorCode).toBe('INVALID_CREDENTIALS');
      await graphqlSignIn(t.http, session.username, newPassword);

      const me = await execute(t.http, MeDocument, {}, { token: session.accessToken });
      expect(me.errors).toBeUndefined();
      const ended = await execute(t.http, MeDocument, {}, { token: otherSession.accessToken });
      expect(onlyError(ended).extensions.code).toBe('UNAUTHENTICATED');
    });

    it('is FORBIDDEN (FRESH_LOGIN_REQUIRED) with a token from refreshToken', async () => {
      const session = await graphqlSession(t.http);
      const refreshed = await execute(t.http, RefreshTokenDocument, {}, { cookie: session.cookie });
      const result = await execute(
        t.http,
        ChangePasswordDocument,
        { input: { currentPassword: PASSWORD, newPassword: 'another passphrase' } },
        { token: refreshed.data!.refreshToken.accessToken },
      );
      expect(onlyError(result).extensions).toMatchObject({
        code: 'FORBIDDEN',
        errorCode: 'FRESH_LOGIN_REQUIRED',
      });
    });

    it('is UNAUTHENTICATED (INVALID_CREDENTIALS) with a wrong current password', async () => {
      const session = await graphqlSession(t.http);
      const result = await execute(
        t.http,
        ChangePasswordDocument,
        { input: { currentPassword: 'not my password', newPassword: 'another passphrase' } },
        { token: session.accessToken },
      );
      expect(onlyError(result).extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        errorCode: 'INVALID_CREDENTIALS',
      });
    });

    it('refuses a too short new password with BAD_USER_INPUT naming newPassword', async () => {
      const session = await graphqlSession(t.http);
      const result = await execute(
        t.http,
        ChangePasswordDocument,
        { input: { currentPassword: PASSWORD, newPassword: 'short' } },
        { token: session.accessToken },
      );
      const error = onlyError(result);
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.details).toEqual([
        { field: 'newPassword', message: expect.any(String) },
      ]);
    });
  });
});
