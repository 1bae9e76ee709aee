import { PASSWORD, signIn, uniqueUsername } from '../support/auth-helpers';
import { captureLogs, LogCapture } from '../support/log-capture';
import { settledMails, TestMailServer, tokenOfLink } from '../support/mail-server';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, newSessionWithEmail, uniqueEmail } from './recovery-helpers';

describe('Mail transports', () => {
  describe('outside production without SMTP_URL: one log line per mail', () => {
    let t: TestApp;
    let logs: LogCapture;

    beforeAll(async () => {
      logs = captureLogs();
      t = await createTestApp({}, logs.logger);
    });

    afterAll(() => t?.close());

    const mailLines = (to: string) =>
      logs.entries().filter((entry) => entry.event === 'mail' && entry.to === to);

    it('writes recipient, subject and text with its link, token unmasked, and the link works', async () => {
      const email = uniqueEmail('logged');
      const session = await newSessionWithEmail(t.http, email);
      const [line] = mailLines(email);
      expect(line).toMatchObject({ context: 'Mail', subject: 'Verify your email address' });
      const token = tokenOfLink({ text: line.text as string }, '/verify-email');
      await t.http.post('/auth/email/verify').send({ token }).expect(200);
      expect((await t.http.get('/auth/me').set(bearer(session))).body.data.emailVerified).toBe(
        true,
      );
      // the token is in that one line and no other
      expect(logs.lines.filter((text) => text.includes(token))).toHaveLength(1);
    });

    it('runs the whole reset flow from the log', async () => {
      const email = uniqueEmail('logged');
      const session = await newSessionWithEmail(t.http, email);
      const verify = tokenOfLink({ text: mailLines(email)[0].text as string }, '/verify-email');
      await t.http.post('/auth/email/verify').send({ token: verify }).expect(200);
      await t.http.post('/auth/password/forgot').send({ email }).expect(202);
      const [, reset] = mailLines(email);
      expect(reset.subject).toBe('Reset your password');
      const token = tokenOfLink({ text: reset.text as string }, '/reset-password');
      await t.http
        .post('/auth/password/reset')
        .send({ token, newPassword: 'the new passphrase' })
        .expect(200);
      await signIn(t.http, session.username, 'the new passphrase');
      // the reset request's own line (the request log) never shows the token
      expect(logs.lines.filter((text) => text.includes(token))).toHaveLength(1);
    });
  });

  describe('in production without SMTP_URL', () => {
    let t: TestApp;
    let logs: LogCapture;

    beforeAll(async () => {
      logs = captureLogs();
      t = await createTestApp(
        { NODE_ENV: 'production', ADMIN_USERNAME: 'prod-admin', ADMIN_PASSWORD: PASSWORD },
        logs.logger,
      );
    });

    afterAll(() => t?.close());

    it('answers 503 MAIL_NOT_CONFIGURED where a mail must be sent', async () => {
      const session = await newSessionWithEmail(t.http);
      const admin = await signIn(t.http, 'prod-admin');
      for (const request of [
        t.http.post('/auth/email/verification').set(bearer(session)),
        t.http.post(`/users/${session.userId}/password-reset`).set(bearer(admin)),
      ]) {
        const answer = await request.expect(503);
        expect(answer.body.error.code).toBe('MAIL_NOT_CONFIGURED');
      }
    });

    it('still signs up and changes addresses, warning that no mail went out; forgot answers 202', async () => {
      const session = await newSessionWithEmail(t.http);
      await t.http
        .patch('/auth/me')
        .set(bearer(session))
        .send({ email: uniqueEmail() })
        .expect(200);
      await t.http.post('/auth/password/forgot').send({ username: session.username }).expect(202);
      const warnings = logs
        .entries()
        .filter((entry) => entry.level === 'warn' && String(entry.msg).includes('No SMTP_URL'));
      expect(warnings.length).toBeGreaterThanOrEqual(2);
      expect(logs.entries().some((entry) => entry.event === 'mail')).toBe(false);
      expect(logs.text()).not.toMatch(/token=(?!\[Redacted\])/);
    });
  });

  describe('over SMTP', () => {
    it('authenticates with the user and password of SMTP_URL', async () => {
      const mail = await TestMailServer.start({ user: 'mailer', pass: 's3cret pass' });
      const t = await createTestApp({ SMTP_URL: mail.url.replace('s3cret pass', 's3cret%20pass') });
      try {
        const email = uniqueEmail();
        await newSessionWithEmail(t.http, email);
        expect((await mail.nth(email)).subject).toBe('Verify your email address');
      } finally {
        await t.close();
        await mail.close();
      }
    });

    it('never fails the request: a refused send is logged with the request id and tried once more', async () => {
      const mail = await TestMailServer.start();
      const logs = captureLogs();
      const t = await createTestApp({ SMTP_URL: mail.url }, logs.logger);
      try {
        mail.refuseNext = 1;
        const email = uniqueEmail('retried');
        const signedUp = await t.http
          .post('/auth/sign-up')
          .set('X-Request-Id', 'mail-retry-1')
          .send({ username: uniqueUsername(), password: PASSWORD, email })
          .expect(201);
        expect(signedUp.headers['x-request-id']).toBe('mail-retry-1');
        expect((await mail.nth(email)).subject).toBe('Verify your email address');
        const warning = logs
          .entries()
          .find((entry) => entry.level === 'warn' && String(entry.msg).includes('trying again'));
        expect(warning).toMatchObject({ context: 'Mail', requestId: 'mail-retry-1' });

        mail.refuseNext = 2;
        const lost = uniqueEmail('lost');
        await t.http
          .post('/auth/sign-up')
          .set('X-Request-Id', 'mail-retry-2')
          .send({ username: uniqueUsername(), password: PASSWORD, email: lost })
          .expect(201);
        await settledMails(t);
        expect(mail.to(lost)).toHaveLength(0);
        const error = logs
          .entries()
          .find((entry) => entry.level === 'error' && String(entry.msg).includes(lost));
        expect(error).toMatchObject({ context: 'Mail', requestId: 'mail-retry-2' });
      } finally {
        await t.close();
        await mail.close();
      }
    });

    it('answers at once when the mail server is down', async () => {
      const mail = await TestMailServer.start();
      const url = mail.url;
      await mail.close();
      const t = await createTestApp({ SMTP_URL: url });
      try {
        await newSessionWithEmail(t.http);
        await settledMails(t);
      } finally {
        await t.close();
      }
    });
  });
});
