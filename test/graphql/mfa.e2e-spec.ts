import {
  ConfirmTotpDocument,
  DisableMfaDocument,
  MeDocument,
  RefreshTokenDocument,
  RegenerateRecoveryCodesDocument,
  ResetMfaDocument,
  SetupTotpDocument,
  SignInDocument,
  VerifyMfaDocument,
} from '../generated/graphql';
import {
  cookiesNamed,
  decodeAccessToken,
  PASSWORD,
  refreshCookieFrom,
  setCookies,
} from '../support/auth-helpers';
import { Authenticator } from '../support/mfa-helpers';
import type { TestApp } from '../support/test-app';
import {
  adminSession,
  createGraphqlApp,
  graphqlSession,
  GraphqlSession,
} from './support/graphql-app';
import { execute, onlyError } from './support/graphql-client';

/** Contract, "Second factor (TOTP, RFC 6238)", on the GraphQL face. */
describe('second factor (TOTP): GraphQL', () => {
  let t: TestApp;
  let admin: GraphqlSession;

  beforeAll(async () => {
    t = await createGraphqlApp();
    admin = await adminSession(t.http);
  });
  afterAll(() => t.close());

  /** A new user who turned TOTP on through GraphQL, with the session it did it in. */
  async function enrolled() {
    const session = await graphqlSession(t.http);
    const setup = await execute(t.http, SetupTotpDocument, {}, { token: session.accessToken });
    expect(setup.errors).toBeUndefined();
    const authenticator = new Authenticator(setup.data!.setupTotp.secret);
    expect(setup.data!.setupTotp.otpauthUrl).toContain(`:${session.username}?secret=`);
    const confirmed = await execute(
      t.http,
      ConfirmTotpDocument,
      { code: await authenticator.code() },
      { token: session.accessToken },
    );
    expect(confirmed.errors).toBeUndefined();
    return { session, authenticator, recoveryCodes: confirmed.data!.confirmTotp.recoveryCodes };
  }

  /** signIn with the right password: MFA_REQUIRED, carrying the mfaToken. */
  async function mfaTokenFor(username: string): Promise<string> {
    const result = await execute(t.http, SignInDocument, {
      input: { username, password: PASSWORD },
    });
    const error = onlyError(result);
    expect(error.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      errorCode: 'MFA_REQUIRED',
      mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{59}$/),
    });
    expect(result.data).toBeNull();
    expect(setCookies(result.response)).toEqual([]);
    return error.extensions.mfaToken as string;
  }

  const verify = (mfaToken: string, code: string) =>
    execute(t.http, VerifyMfaDocument, { input: { mfaToken, code } });

  it('signs in in two steps: MFA_REQUIRED without a cookie, then verifyMfa like signIn', async () => {
    const { session, authenticator } = await enrolled();
    const result = await verify(await mfaTokenFor(session.username), await authenticator.code());
    expect(result.errors).toBeUndefined();
    const { accessToken, user } = result.data!.verifyMfa;
    expect(user.id).toBe(session.userId);
    expect(decodeAccessToken(accessToken).payload).toMatchObject({
      fresh: true,
      amr: ['pwd', 'mfa'],
    });
    expect(cookiesNamed(result.response, 'refreshToken')).toHaveLength(1);
    expect(cookiesNamed(result.response, 'deviceId')).toHaveLength(1);

    const refreshed = await execute(
      t.http,
      RefreshTokenDocument,
      {},
      { cookie: refreshCookieFrom(result.response) },
    );
    expect(decodeAccessToken(refreshed.data!.refreshToken.accessToken).payload.amr).toEqual([
      'pwd',
      'mfa',
    ]);
  });

  it('refuses a replayed code, an unused mfaToken stays usable, and a used one is gone', async () => {
    const { session, authenticator, recoveryCodes } = await enrolled();
    const first = await mfaTokenFor(session.username);
    const second = await mfaTokenFor(session.username);
    const code = await authenticator.code();
    expect((await verify(first, code)).errors).toBeUndefined();
    expect(onlyError(await verify(second, code)).extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      errorCode: 'INVALID_MFA_CODE',
    });
    expect(onlyError(await verify(first, recoveryCodes[0])).extensions.errorCode).toBe(
      'INVALID_MFA_TOKEN',
    );
    expect((await verify(second, recoveryCodes[0])).errors).toBeUndefined();
    // a recovery code is single use
    expect(
      onlyError(await verify(await mfaTokenFor(session.username), recoveryCodes[0])).extensions
        .errorCode,
    ).toBe('INVALID_MFA_CODE');
  });

  it('refuses an empty code as BAD_USER_INPUT', async () => {
    const session = await graphqlSession(t.http);
    const result = await execute(
      t.http,
      ConfirmTotpDocument,
      { code: '' },
      { token: session.accessToken },
    );
    expect(onlyError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      errorCode: 'VALIDATION_ERROR',
      details: [{ field: 'code', message: expect.any(String) }],
    });
    expect(
      onlyError(
        await execute(
          t.http,
          ConfirmTotpDocument,
          { code: '123456' },
          { token: session.accessToken },
        ),
      ).extensions,
    ).toMatchObject({ code: 'CONFLICT', errorCode: 'MFA_SETUP_REQUIRED' });
  });

  it('regenerates the recovery codes and turns the factor off', async () => {
    const { session, authenticator, recoveryCodes } = await enrolled();
    const regenerated = await execute(
      t.http,
      RegenerateRecoveryCodesDocument,
      { code: recoveryCodes[0] },
      { token: session.accessToken },
    );
    expect(regenerated.errors).toBeUndefined();
    const fresh = regenerated.data!.regenerateRecoveryCodes.recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(
      onlyError(await verify(await mfaTokenFor(session.username), recoveryCodes[1])).extensions
        .errorCode,
    ).toBe('INVALID_MFA_CODE');

    const disabled = await execute(
      t.http,
      DisableMfaDocument,
      { code: await authenticator.code() },
      { token: session.accessToken },
    );
    expect(disabled).toMatchObject({ data: { disableMfa: true } });
    const signedIn = await execute(t.http, SignInDocument, {
      input: { username: session.username, password: PASSWORD },
    });
    expect(signedIn.errors).toBeUndefined();
    expect(
      onlyError(
        await execute(
          t.http,
          DisableMfaDocument,
          { code: fresh[0] },
          { token: session.accessToken },
        ),
      ).extensions,
    ).toMatchObject({ code: 'CONFLICT', errorCode: 'MFA_NOT_ENABLED' });
  });

  it("lets an admin reset a user's factor, ending the user's sessions", async () => {
    const { session } = await enrolled();
    const refused = await execute(
      t.http,
      ResetMfaDocument,
      { userId: session.userId },
      { token: session.accessToken },
    );
    expect(onlyError(refused).extensions.code).toBe('FORBIDDEN');
    const reset = await execute(
      t.http,
      ResetMfaDocument,
      { userId: session.userId },
      { token: admin.accessToken },
    );
    expect(reset).toMatchObject({ data: { resetMfa: true } });
    expect(
      onlyError(await execute(t.http, MeDocument, {}, { token: session.accessToken })).extensions
        .code,
    ).toBe('UNAUTHENTICATED');
    const again = await execute(
      t.http,
      ResetMfaDocument,
      { userId: session.userId },
      { token: admin.accessToken },
    );
    expect(onlyError(again).extensions).toMatchObject({
      code: 'CONFLICT',
      errorCode: 'MFA_NOT_ENABLED',
    });
  });
});
