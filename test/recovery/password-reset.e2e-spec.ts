import { Cleanup } from '../../src/database/cleanup';
import { PASSWORD, refreshCookieFrom, signIn, uniqueUsername } from '../support/auth-helpers';
import { createMailTestApp, MailTestApp, settledMails, tokenOfLink } from '../support/mail-server';
import {
  accountsInEveryState,
  bearer,
  countIn,
  eventTypes,
  newSessionWithEmail,
  tokenCopy,
  uniqueEmail,
  verifiedUser,
} from './recovery-helpers';

const NEW_PASSWORD = 'a brand new passphrase';
const FIREFOX =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('Password reset (REST, real SMTP)', () => {
  let t: MailTestApp;

  beforeAll(async () => {
    t = await createMailTestApp({
      ADMIN_USERNAME: 'reset-admin',
      ADMIN_PASSWORD: PASSWORD,
      PASSWORD_RESET_TTL: '30m',
    });
  });

  afterAll(() => t?.close());

  const forgot = (body: object) => t.http.post('/auth/password/forgot').send(body);
  const reset = (token: string, newPassword = NEW_PASSWORD) =>
    t.http.post('/auth/password/reset').send({ token, newPassword });

  /** The reset mails to `email` that arrived so far. */
  const resetMails = (email: string) =>
    t.mail.to(email).filter((sent) => sent.subject === 'Reset your password');

  async function nextResetToken(email: string): Promise<string> {
    const before = resetMails(email).length;
    await t.mail.nth(email, t.mail.to(email).length + 1);
    expect(resetMails(email)).toHaveLength(before + 1);
    return tokenOfLink(resetMails(email).at(-1)!, '/reset-password');
  }

  it('mails a link naming the IP and device that asked; the reset ends every session and lets the new password in', async () => {
    const user = await verifiedUser(t);
    const other = await signIn(t.http, user.username);
    const accepted = await forgot({ username: user.username.toUpperCase() })
      .set('User-Agent', FIREFOX)
      .expect(202);
    expect(accepted.body).toMatchObject({ success: true, statusCode: 202, data: true });

    const sent = await t.mail.nth(user.email, 2);
    expect(sent.subject).toBe('Reset your password');
    expect(sent.text).toContain('Firefox 128 on macOS');
    expect(sent.text).toMatch(/from IP address (127\.0\.0\.1|::1)/);
    expect(sent.html).toContain('/reset-password?token=');
    const token = tokenOfLink(sent, '/reset-password');
    expect(sent.text).toContain(`${t.config.mail.appUrl}/reset-password?token=${token}`);

    const done = await reset(token).expect(200);
    expect(done.body.data).toBe(true);
    for (const session of [user, other]) {
      await t.http.get('/auth/me').set(bearer(session)).expect(401);
      await t.http.post('/auth/refresh-token').set('Cookie', session.cookie).expect(401);
    }
    await t.http
      .post('/auth/sign-in')
      .send({ username: user.username, password: PASSWORD })
      .expect(401);
    const signedIn = await signIn(t.http, user.username, NEW_PASSWORD);
    expect(await eventTypes(t.http, user.userId, signedIn)).toEqual(
      expect.arrayContaining(['password-reset-requested', 'password-reset']),
    );
    const tokens = await t.http
      .get(`/users/${user.userId}/refresh-tokens`)
      .set(bearer(signedIn))
      .expect(200);
    expect(tokens.body.data).toContainEqual(
      expect.objectContaining({ revokedReason: 'password-changed' }),
    );

    const reused = await reset(token, 'yet another passphrase').expect(400);
    expect(reused.body.error.code).toBe('INVALID_TOKEN');
  });

  it('finds the account by address without regard to case', async () => {
    const user = await verifiedUser(t);
    await forgot({ email: ` ${user.email.toUpperCase()}` }).expect(202);
    await reset(await nextResetToken(user.email)).expect(200);
    await signIn(t.http, user.username, NEW_PASSWORD);
  });

  it('refuses expired, forged and unknown tokens, and a weak new password, with nothing changed', async () => {
    const user = await verifiedUser(t);
    await forgot({ username: user.username }).expect(202);
    const token = await nextResetToken(user.email);
    const expired = await tokenCopy(t, token, new Date(Date.now() - 1_000));
    const forged = Buffer.from(token, 'base64url');
    forged[20] ^= 1;
    for (const bad of [expired, forged.toString('base64url'), 'nope']) {
      const answer = await reset(bad).expect(400);
      expect(answer.body.error.code).toBe('INVALID_TOKEN');
    }
    const weak = await reset(token, 'short').expect(400);
    expect(weak.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [expect.objectContaining({ field: 'newPassword' })],
    });
    expect(JSON.stringify(weak.body)).not.toContain(token);
    // a verification token is no reset token
    const verification = await newSessionWithEmail(t.http);
    const other = tokenOfLink(await t.mail.nth(verification.email), '/verify-email');
    expect((await reset(other).expect(400)).body.error.code).toBe('INVALID_TOKEN');
    await signIn(t.http, user.username);
    await reset(token).expect(200);
  });

  it('voids every outstanding reset token on a reset or a password change; a new request voids none', async () => {
    const user = await verifiedUser(t);
    await forgot({ username: user.username }).expect(202);
    const first = await nextResetToken(user.email);
    await forgot({ email: user.email }).expect(202);
    const second = await nextResetToken(user.email);
    await reset(second).expect(200);
    expect((await reset(first).expect(400)).body.error.code).toBe('INVALID_TOKEN');

    const session = await signIn(t.http, user.username, NEW_PASSWORD);
    await forgot({ username: user.username }).expect(202);
    const third = await nextResetToken(user.email);
    await t.http
      .post('/auth/change-password')
      .set(bearer(session))
      .send({ currentPassword: NEW_PASSWORD, newPassword: PASSWORD })
      .expect(200);
    expect((await reset(third).expect(400)).body.error.code).toBe('INVALID_TOKEN');
  });

  it('lets exactly one of several racing resets with one token succeed', async () => {
    const user = await verifiedUser(t);
    await forgot({ username: user.username }).expect(202);
    const token = await nextResetToken(user.email);
    const answers = await Promise.all([
      reset(token, 'first racing passphrase'),
      reset(token, 'second racing passphrase'),
      reset(token, 'third racing passphrase'),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
    const winner = ['first', 'second', 'third'][answers.findIndex((a) => a.status === 200)];
    await signIn(t.http, user.username, `${winner} racing passphrase`);
  });

  it('mails only a verified address of an enabled account, and answers every case alike', async () => {
    const {
      mailed: verified,
      unverified,
      disabled,
      withoutAddress,
    } = await accountsInEveryState(t, 'reset-admin');

    const strip = ({ timestamp: _t, requestId: _r, ...rest }: Record<string, unknown>) => rest;
    const bodies = [];
    for (const body of [
      { username: verified.username },
      { username: unverified.username },
      { username: disabled.username },
      { username: withoutAddress },
      { username: uniqueUsername('nobody') },
      { email: verified.email },
      { email: unverified.email },
      { email: uniqueEmail('nobody') },
    ]) {
      const answer = await forgot(body).expect(202);
      bodies.push(JSON.stringify(strip(answer.body as Record<string, unknown>)));
      expect(Object.keys(answer.headers).sort()).toEqual(
        Object.keys((await forgot({ username: uniqueUsername() })).headers).sort(),
      );
    }
    expect(new Set(bodies).size).toBe(1);
    await settledMails(t);
    expect(resetMails(verified.email)).toHaveLength(2);
    expect(resetMails(unverified.email)).toHaveLength(0);
    expect(resetMails(disabled.email)).toHaveLength(0);
  });

  it('sends at most 3 mails per account an hour, however it is named (more are skipped silently)', async () => {
    const user = await verifiedUser(t);
    const admin = await signIn(t.http, 'reset-admin');
    await forgot({ username: user.username }).expect(202);
    await forgot({ email: user.email }).expect(202);
    await t.http.post(`/users/${user.userId}/password-reset`).set(bearer(admin)).expect(202);
    await forgot({ username: user.username }).expect(202);
    await t.http.post(`/users/${user.userId}/password-reset`).set(bearer(admin)).expect(202);
    await settledMails(t);
    expect(resetMails(user.email)).toHaveLength(3);
  });

  it.each([
    ['neither', {}],
    ['both', { username: 'ada', email: 'ada@example.com' }],
    ['a null username', { username: null }],
    ['an operator', { username: { $ne: null } }],
    ['an operator as address', { email: { $gt: '' } }],
    ['a bad address', { email: 'ada@@example.com' }],
    ['an empty username', { username: '' }],
    ['an unknown field', { username: 'ada', admin: true }],
  ])('forgot-password refuses %s with 400 VALIDATION_ERROR', async (_, body) => {
    const answer = await forgot(body).expect(400);
    expect(answer.body.error.code).toBe('VALIDATION_ERROR');
  });

  describe('an admin’s reset', () => {
    it('mails the user’s verified address; the admin sees no token', async () => {
      const user = await verifiedUser(t);
      const admin = await signIn(t.http, 'reset-admin');
      const answer = await t.http
        .post(`/users/${user.userId}/password-reset`)
        .set(bearer(admin))
        .expect(202);
      expect(answer.body.data).toBe(true);
      const sent = await t.mail.nth(user.email, 2);
      expect(sent.text).toContain('an administrator asked');
      const token = tokenOfLink(sent, '/reset-password');
      expect(JSON.stringify(answer.body)).not.toContain(token);
      await reset(token).expect(200);
      expect(await eventTypes(t.http, user.userId, admin)).toContain('password-reset-requested');
    });

    it('needs an admin, a user, and a verified address', async () => {
      const user = await verifiedUser(t);
      const unverified = await newSessionWithEmail(t.http);
      const admin = await signIn(t.http, 'reset-admin');
      const byUser = await t.http
        .post(`/users/${user.userId}/password-reset`)
        .set(bearer(user))
        .expect(403);
      expect(byUser.body.error.code).toBe('FORBIDDEN');
      const missing = await t.http
        .post(`/users/${'0'.repeat(24)}/password-reset`)
        .set(bearer(admin))
        .expect(404);
      expect(missing.body.error.code).toBe('NOT_FOUND');
      const noAddress = await t.http
        .post(`/users/${unverified.userId}/password-reset`)
        .set(bearer(admin))
        .expect(400);
      expect(noAddress.body.error.code).toBe('EMAIL_REQUIRED');
      await t.http.post('/users/xyz/password-reset').set(bearer(admin)).expect(400);
    });
  });

  it('deletes used and expired tokens: used at once, expired by the clean-up', async () => {
    const user = await verifiedUser(t);
    await forgot({ username: user.username }).expect(202);
    const token = await nextResetToken(user.email);
    const stored = await countIn(t, 'one_time_tokens');
    await reset(token).expect(200);
    expect(await countIn(t, 'one_time_tokens')).toBe(stored - 1);
    await t.app.get(Cleanup).runOnce(new Date(Date.now() + 25 * 3_600_000));
    expect(await countIn(t, 'one_time_tokens')).toBe(0);
    expect(await countIn(t, 'one_time_token_uses')).toBe(0);
  });
});

describe('Password reset and the account throttle', () => {
  let t: MailTestApp;

  beforeAll(async () => {
    t = await createMailTestApp({ ACCOUNT_LOCKOUT_THRESHOLD: '2' });
  });

  afterAll(() => t?.close());

  it('clears the throttle of the account, so the new password works at once', async () => {
    const user = await verifiedUser(t);
    for (let i = 0; i < 2; i++)
      await t.http.post('/auth/sign-in').send({ username: user.username, password: 'wrong!!!' });
    const throttled = await t.http
      .post('/auth/sign-in')
      .send({ username: user.username, password: PASSWORD })
      .expect(429);
    expect(throttled.body.error.code).toBe('TOO_MANY_REQUESTS');

    await t.http.post('/auth/password/forgot').send({ username: user.username }).expect(202);
    const token = tokenOfLink(await t.mail.nth(user.email, 2), '/reset-password');
    await t.http
      .post('/auth/password/reset')
      .send({ token, newPassword: NEW_PASSWORD })
      .expect(200);
    const response = await t.http
      .post('/auth/sign-in')
      .send({ username: user.username, password: NEW_PASSWORD })
      .expect(200);
    expect(refreshCookieFrom(response)).toBeDefined();
  });
});
