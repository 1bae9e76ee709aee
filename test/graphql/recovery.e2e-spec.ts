import {
  ForgotPasswordDocument,
  PrivateMeDocument,
  PrivateUserDocument,
  PrivateUsersDocument,
  ResetPasswordDocument,
  SendEmailVerificationDocument,
  SendPasswordResetDocument,
  SignInDocument,
  SignUpDocument,
  UpdateMeDocument,
  VerifyEmailDocument,
} from '../generated/graphql';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { settledMails, TestMailServer, tokenOfLink } from '../support/mail-server';
import type { TestApp } from '../support/test-app';
import { uniqueEmail } from '../recovery/recovery-helpers';
import { execute, onlyError, send } from './support/graphql-client';
import {
  adminSession,
  createGraphqlApp,
  graphqlSession,
  graphqlSignIn,
  GraphqlSession,
} from './support/graphql-app';

const NEW_PASSWORD = 'a new graphql passphrase';

describe('GraphQL: email address, verification and password reset', () => {
  let mail: TestMailServer;
  let t: TestApp;

  beforeAll(async () => {
    mail = await TestMailServer.start();
    t = await createGraphqlApp({ SMTP_URL: mail.url });
  });

  afterAll(async () => {
    await t?.close();
    await mail?.close();
  });

  /** Signs up with an address through GraphQL, verifies it through GraphQL, signs in. */
  async function verifiedSession(): Promise<GraphqlSession & { email: string }> {
    const email = uniqueEmail('gql');
    const username = uniqueUsername();
    const signedUp = await execute(t.http, SignUpDocument, {
      input: { username, password: PASSWORD, email },
    });
    expect(signedUp.errors).toBeUndefined();
    const token = tokenOfLink(await mail.nth(email), '/verify-email');
    const verified = await execute(t.http, VerifyEmailDocument, { token });
    expect(verified.data).toEqual({ verifyEmail: true });
    return { ...(await graphqlSignIn(t.http, username)), email };
  }

  it('updateMe sets the address (fresh login); sendEmailVerification and verifyEmail verify it', async () => {
    const session = await graphqlSession(t.http);
    const email = uniqueEmail('gql');
    const updated = await execute(
      t.http,
      UpdateMeDocument,
      { input: { email: email.toUpperCase() } },
      { token: session.accessToken },
    );
    expect(updated.data?.updateMe).toMatchObject({
      email,
      emailVerified: false,
      mfaEnabled: false,
    });
    await mail.nth(email);
    const resent = await execute(t.http, SendEmailVerificationDocument, undefined, {
      token: session.accessToken,
    });
    expect(resent.data).toEqual({ sendEmailVerification: true });
    const token = tokenOfLink(await mail.nth(email, 2), '/verify-email');
    expect((await execute(t.http, VerifyEmailDocument, { token })).data).toEqual({
      verifyEmail: true,
    });
    const me = await execute(t.http, PrivateMeDocument, undefined, { token: session.accessToken });
    expect(me.data?.me).toMatchObject({ email, emailVerified: true });

    const reused = onlyError(await execute(t.http, VerifyEmailDocument, { token }));
    expect(reused.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'INVALID_TOKEN' });

    const removed = await execute(
      t.http,
      UpdateMeDocument,
      { input: { email: null } },
      { token: session.accessToken },
    );
    expect(removed.data?.updateMe).toMatchObject({ email: null, emailVerified: false });
    const none = onlyError(
      await execute(t.http, SendEmailVerificationDocument, undefined, {
        token: session.accessToken,
      }),
    );
    expect(none.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'EMAIL_REQUIRED' });
  });

  it('updateMe refuses a taken address, a bad one and a missing field', async () => {
    const holder = await verifiedSession();
    const session = await graphqlSession(t.http);
    const taken = onlyError(
      await execute(
        t.http,
        UpdateMeDocument,
        { input: { email: holder.email.toUpperCase() } },
        { token: session.accessToken },
      ),
    );
    expect(taken.extensions).toMatchObject({ code: 'CONFLICT', errorCode: 'EMAIL_TAKEN' });
    for (const input of [{ email: 'ada@@example.com' }, {}]) {
      const invalid = onlyError(
        await execute(t.http, UpdateMeDocument, { input }, { token: session.accessToken }),
      );
      expect(invalid.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
      });
    }
    const operator = await send(
      t.http,
      {
        query: 'mutation($i: UpdateMeInput!) { updateMe(input: $i) { id } }',
        variables: { i: { email: { $ne: null } } },
      },
      { token: session.accessToken },
    );
    expect(onlyError(operator).extensions.code).toBe('BAD_USER_INPUT');
  });

  it('forgotPassword and resetPassword: the same answer for anyone; the mailed token works once', async () => {
    const user = await verifiedSession();
    for (const input of [
      { username: uniqueUsername('nobody') },
      { email: uniqueEmail('nobody') },
      { email: user.email.toUpperCase() },
    ]) {
      const result = await execute(t.http, ForgotPasswordDocument, { input });
      expect(result).toMatchObject({ data: { forgotPassword: true } });
      expect(result.errors).toBeUndefined();
    }
    const token = tokenOfLink(await mail.nth(user.email, 2), '/reset-password');
    const reset = await execute(t.http, ResetPasswordDocument, {
      input: { token, newPassword: NEW_PASSWORD },
    });
    expect(reset.data).toEqual({ resetPassword: true });
    const again = onlyError(
      await execute(t.http, ResetPasswordDocument, { input: { token, newPassword: NEW_PASSWORD } }),
    );
    expect(again.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'INVALID_TOKEN' });
    const old = await execute(t.http, SignInDocument, {
      input: { username: user.username, password: PASSWORD },
    });
    expect(onlyError(old).extensions.code).toBe('UNAUTHENTICATED');
    await graphqlSignIn(t.http, user.username, NEW_PASSWORD);

    for (const input of [{}, { username: 'ada', email: 'ada@example.com' }]) {
      const invalid = onlyError(await execute(t.http, ForgotPasswordDocument, { input }));
      expect(invalid.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        errorCode: 'VALIDATION_ERROR',
      });
    }
  });

  it('sendPasswordReset is for admins, and mails the verified address', async () => {
    const user = await verifiedSession();
    const admin = await adminSession(t.http);
    const refused = onlyError(
      await execute(
        t.http,
        SendPasswordResetDocument,
        { userId: user.userId },
        { token: user.accessToken },
      ),
    );
    expect(refused.extensions.code).toBe('FORBIDDEN');
    const sent = await execute(
      t.http,
      SendPasswordResetDocument,
      { userId: user.userId },
      { token: admin.accessToken },
    );
    expect(sent.data).toEqual({ sendPasswordReset: true });
    await settledMails(t);
    expect(mail.last(user.email)?.subject).toBe('Reset your password');
  });

  it('shows email, emailVerified and mfaEnabled to the user itself and admins only', async () => {
    const owner = await verifiedSession();
    const stranger = await graphqlSession(t.http);
    const admin = await adminSession(t.http);
    const hidden = { email: null, emailVerified: null, mfaEnabled: null };
    const shown = { email: owner.email, emailVerified: true, mfaEnabled: false };
    const as = async (session: GraphqlSession) =>
      (
        await execute(
          t.http,
          PrivateUserDocument,
          { id: owner.userId },
          { token: session.accessToken },
        )
      ).data?.user;
    expect(await as(stranger)).toMatchObject(hidden);
    expect(await as(admin)).toMatchObject(shown);
    expect(await as(owner)).toMatchObject(shown);
    const listed = await execute(
      t.http,
      PrivateUsersDocument,
      { limit: 1000 },
      {
        token: stranger.accessToken,
      },
    );
    expect(listed.data?.users.find((user) => user.id === owner.userId)).toMatchObject(hidden);
    const signedIn = await execute(t.http, SignInDocument, {
      input: { username: owner.username, password: PASSWORD },
    });
    expect(signedIn.data?.signIn.user.id).toBe(owner.userId);
  });
});
