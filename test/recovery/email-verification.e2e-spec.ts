import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { UsersService } from '../../src/users/users.service';
import { PASSWORD, signIn, signUp, uniqueUsername } from '../support/auth-helpers';
import { createMailTestApp, MailTestApp, settledMails, tokenOfLink } from '../support/mail-server';
import {
  bearer,
  eventTypes,
  newSessionWithEmail,
  tokenCopy,
  uniqueEmail,
} from './recovery-helpers';

describe('Email address and its verification (REST, real SMTP)', () => {
  let t: MailTestApp;

  beforeAll(async () => {
    t = await createMailTestApp({
      MAIL_FROM: 'Auth <auth@example.com>',
      ADMIN_USERNAME: 'mail-admin',
      ADMIN_PASSWORD: PASSWORD,
    });
  });

  afterAll(() => t?.close());

  const me = (session: { accessToken: string }) =>
    t.http.get('/auth/me').set(bearer(session)).expect(200);
  const patchMe = (session: { accessToken: string }, body: unknown) =>
    t.http
      .patch('/auth/me')
      .set(bearer(session))
      .send(body as object);

  it('signs up with an address, mails a link that verifies it once', async () => {
    const email = uniqueEmail();
    const session = await newSessionWithEmail(t.http, `  ${email.toUpperCase()} `);
    expect((await me(session)).body.data).toMatchObject({
      email,
      emailVerified: false,
      mfaEnabled: false,
    });

    const sent = await t.mail.nth(email);
    expect(sent).toMatchObject({
      subject: 'Verify your email address',
      from: '"Auth" <auth@example.com>',
    });
    expect(sent.html).toContain('/verify-email?token=');
    const token = tokenOfLink(sent, '/verify-email');
    expect(sent.text).toContain(`${t.config.mail.appUrl}/verify-email?token=${token}`);
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(32);

    const verified = await t.http.post('/auth/email/verify').send({ token }).expect(200);
    expect(verified.body.data).toBe(true);
    expect((await me(session)).body.data).toMatchObject({ email, emailVerified: true });

    const again = await t.http.post('/auth/email/verify').send({ token }).expect(400);
    expect(again.body.error.code).toBe('INVALID_TOKEN');
    expect(await eventTypes(t.http, session.userId, session)).toContain('email-verified');
  });

  it('stores only the hash of the token, and no response carries it', async () => {
    const email = uniqueEmail();
    const session = await newSessionWithEmail(t.http, email);
    const token = tokenOfLink(await t.mail.nth(email), '/verify-email');
    const connection = t.app.get<Connection>(getConnectionToken());
    const stored = JSON.stringify(
      await connection.db!.collection('one_time_tokens').find({}).toArray(),
    );
    expect(stored).not.toContain(token);
    const answers = [
      await me(session),
      await t.http.post('/auth/email/verification').set(bearer(session)).expect(202),
    ];
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(token);
  });

  it('refuses unknown, forged, malformed and expired tokens with INVALID_TOKEN', async () => {
    const email = uniqueEmail();
    await newSessionWithEmail(t.http, email);
    const token = tokenOfLink(await t.mail.nth(email), '/verify-email');
    const forged = Buffer.from(token, 'base64url');
    forged[forged.length - 1] ^= 1;
    for (const bad of [forged.toString('base64url'), 'x', 'a'.repeat(59)]) {
      const answer = await t.http.post('/auth/email/verify').send({ token: bad }).expect(400);
      expect(answer.body.error.code).toBe('INVALID_TOKEN');
    }
    // the same token stored again under an expiry in the past, and (as a control) in the future
    const expired = await tokenCopy(t, token, new Date(Date.now() - 60_000));
    const answer = await t.http.post('/auth/email/verify').send({ token: expired }).expect(400);
    expect(answer.body.error.code).toBe('INVALID_TOKEN');
    const live = await tokenCopy(t, token, new Date(Date.now() + 60_000));
    await t.http.post('/auth/email/verify').send({ token: live }).expect(200);
    for (const body of [{}, { token: '' }, { token: 5 }, { token: { $ne: null } }]) {
      const invalid = await t.http.post('/auth/email/verify').send(body).expect(400);
      expect(invalid.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('PATCH /auth/me changes the address: a link to the new one, a notice to the verified old one', async () => {
    const old = uniqueEmail('old');
    const session = await newSessionWithEmail(t.http, old);
    await t.http
      .post('/auth/email/verify')
      .send({ token: tokenOfLink(await t.mail.nth(old), '/verify-email') })
      .expect(200);

    const next = uniqueEmail('new');
    const changed = await patchMe(session, { email: next.toUpperCase() })
      .set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')
      .expect(200);
    expect(changed.body.data).toMatchObject({ email: next, emailVerified: false });

    const notice = await t.mail.nth(old, 2);
    expect(notice.subject).toBe('Your email address was changed');
    expect(notice.text).toContain('Firefox 128 on Linux');
    expect(notice.text).not.toContain('token=');
    await t.http
      .post('/auth/email/verify')
      .send({ token: tokenOfLink(await t.mail.nth(next), '/verify-email') })
      .expect(200);
    expect((await me(session)).body.data).toMatchObject({ email: next, emailVerified: true });

    const removed = await patchMe(session, { email: null }).expect(200);
    expect(removed.body.data).toMatchObject({ email: null, emailVerified: false });
    expect((await t.mail.nth(next, 2)).text).toContain('removed');
    const types = await eventTypes(t.http, session.userId, session);
    expect(types.filter((type) => type === 'email-changed')).toHaveLength(2);
  });

  it('a token works only while its address is still the user’s', async () => {
    const first = uniqueEmail();
    const session = await newSessionWithEmail(t.http, first);
    const token = tokenOfLink(await t.mail.nth(first), '/verify-email');
    await patchMe(session, { email: uniqueEmail() }).expect(200);
    const stale = await t.http.post('/auth/email/verify').send({ token }).expect(400);
    expect(stale.body.error.code).toBe('INVALID_TOKEN');
    expect((await me(session)).body.data.emailVerified).toBe(false);
  });

  it('PATCH /auth/me needs a fresh login, and refuses a missing field, bad addresses and unknown fields', async () => {
    const session = await newSessionWithEmail(t.http);
    const refreshed = await t.http
      .post('/auth/refresh-token')
      .set('Cookie', session.cookie)
      .expect(200);
    const stale = await patchMe(refreshed.body.data, { email: uniqueEmail() }).expect(403);
    expect(stale.body.error.code).toBe('FRESH_LOGIN_REQUIRED');
    await patchMe({ accessToken: 'nope' }, { email: uniqueEmail() }).expect(401);

    for (const body of [{}, { email: 5 }, { email: uniqueEmail(), other: 1 }]) {
      const answer = await patchMe(session, body).expect(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it.each([
    ['254+ characters', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`],
    ['two @', 'a@b@example.com'],
    ['no dot in the domain', 'ada@localhost'],
    ['an operator', { $ne: null }],
    ['a list', ['ada@example.com']],
    ['unicode', 'adä@exämple.com'],
    ['a header injection', 'ada@example.com\r\nBcc: all@example.com'],
    ['a display name', 'Ada <ada@example.com>'],
    ['nothing', ''],
  ])(
    'refuses %s as an address, on sign-up and PATCH /auth/me, storing nothing',
    async (_, email) => {
      const session = await newSessionWithEmail(t.http);
      const patched = await patchMe(session, { email }).expect(400);
      expect(patched.body.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: [expect.objectContaining({ field: 'email' })],
      });
      expect(JSON.stringify(patched.body)).not.toContain('ada@');
      const username = uniqueUsername();
      const signedUp = await t.http
        .post('/auth/sign-up')
        .send({ username, password: PASSWORD, email })
        .expect(400);
      expect(signedUp.body.error.code).toBe('VALIDATION_ERROR');
      await t.http.post('/auth/sign-in').send({ username, password: PASSWORD }).expect(401);
      expect((await me(session)).body.data.email).toBe(session.email);
    },
  );

  it('takes a 254-character address', async () => {
    const email = `${uniqueUsername()}@${'b'.repeat(63)}.${'c'.repeat(63)}.example.com`;
    const long = `${'x'.repeat(254 - email.length)}${email}`;
    expect(long).toHaveLength(254);
    const session = await newSessionWithEmail(t.http, long);
    expect((await me(session)).body.data.email).toBe(long);
  });

  it('keeps addresses unique regardless of case: 409 EMAIL_TAKEN, on sign-up and change', async () => {
    const email = uniqueEmail();
    const holder = await newSessionWithEmail(t.http, email);
    const taken = await t.http
      .post('/auth/sign-up')
      .send({ username: uniqueUsername(), password: PASSWORD, email: email.toUpperCase() })
      .expect(409);
    expect(taken.body.error.code).toBe('EMAIL_TAKEN');
    const other = await newSessionWithEmail(t.http);
    expect(
      (await patchMe(other, { email: ` ${email.toUpperCase()}` }).expect(409)).body.error.code,
    ).toBe('EMAIL_TAKEN');
    // once the holder lets it go, it is free
    await patchMe(holder, { email: null }).expect(200);
    await patchMe(other, { email }).expect(200);
  });

  it('gives an address to exactly one of two racing users', async () => {
    const email = uniqueEmail('race');
    const sessions = await Promise.all([newSessionWithEmail(t.http), newSessionWithEmail(t.http)]);
    const answers = await Promise.all(sessions.map((session) => patchMe(session, { email })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
  });

  it('frees the address of a deleted user', async () => {
    const email = uniqueEmail();
    const session = await newSessionWithEmail(t.http, email);
    await t.http.delete(`/users/${session.userId}`).set(bearer(session)).expect(200);
    await newSessionWithEmail(t.http, email);
  });

  it('POST /auth/email/verification: 202 and a new link; nothing when verified; EMAIL_REQUIRED without an address', async () => {
    const email = uniqueEmail();
    const session = await newSessionWithEmail(t.http, email);
    await t.mail.nth(email);
    const resent = await t.http.post('/auth/email/verification').set(bearer(session)).expect(202);
    expect(resent.body).toMatchObject({ success: true, statusCode: 202, data: true });
    const second = tokenOfLink(await t.mail.nth(email, 2), '/verify-email');
    await t.http.post('/auth/email/verify').send({ token: second }).expect(200);

    await t.http.post('/auth/email/verification').set(bearer(session)).expect(202);
    await settledMails(t);
    expect(t.mail.to(email)).toHaveLength(2);

    const without = await signIn(t.http, await signUpWithout());
    const refused = await t.http.post('/auth/email/verification').set(bearer(without)).expect(400);
    expect(refused.body.error.code).toBe('EMAIL_REQUIRED');
    await t.http.post('/auth/email/verification').expect(401);
  });

  it('mails one address at most 3 verification links an hour, whoever asks', async () => {
    const email = uniqueEmail('capped');
    const session = await newSessionWithEmail(t.http, email);
    for (let i = 0; i < 4; i++)
      await t.http.post('/auth/email/verification').set(bearer(session)).expect(202);
    await settledMails(t);
    expect(t.mail.to(email)).toHaveLength(3);
  });

  describe('who sees the address', () => {
    it('the user itself and admins; every other caller gets null, on every listing', async () => {
      const owner = await newSessionWithEmail(t.http);
      const stranger = await newSessionWithEmail(t.http);
      const admin = await signIn(t.http, 'mail-admin');
      const hidden = { email: null, emailVerified: null, mfaEnabled: null };
      const shown = { email: owner.email, emailVerified: false, mfaEnabled: false };

      const byStranger = await t.http.get(`/users/${owner.userId}`).set(bearer(stranger));
      expect(byStranger.body.data).toMatchObject(hidden);
      const byAdmin = await t.http.get(`/users/${owner.userId}`).set(bearer(admin));
      expect(byAdmin.body.data).toMatchObject(shown);
      const byOwner = await t.http.get(`/users/${owner.userId}`).set(bearer(owner));
      expect(byOwner.body.data).toMatchObject(shown);

      const after = new Types.ObjectId(parseInt(owner.userId.slice(0, 8), 16) - 1).toHexString();
      for (const query of [`?limit=1000&after=${after}`, `?after=${after}`]) {
        const page = await t.http.get(`/users${query}`).set(bearer(stranger)).expect(200);
        const listed = (page.body.data as { id: string }[]).find(
          (user) => user.id === owner.userId,
        );
        expect(listed).toMatchObject(hidden);
        const own = (page.body.data as { id: string }[]).find(
          (user) => user.id === stranger.userId,
        );
        expect(own).toMatchObject({ email: stranger.email });
      }
      const signedIn = await t.http
        .post('/auth/sign-in')
        .send({ username: owner.username, password: PASSWORD })
        .expect(200);
      expect(signedIn.body.data.user).toMatchObject(shown);
    });
  });

  it('UsersService.setMfaEnabled turns the flag the second factor reports, for the owner and admins to see', async () => {
    const owner = await newSessionWithEmail(t.http);
    const stranger = await newSessionWithEmail(t.http);
    const users = t.app.get(UsersService);
    await users.setMfaEnabled(owner.userId, true);
    expect((await me(owner)).body.data.mfaEnabled).toBe(true);
    const seen = await t.http.get(`/users/${owner.userId}`).set(bearer(stranger)).expect(200);
    expect(seen.body.data.mfaEnabled).toBeNull();
    await users.setMfaEnabled(owner.userId, false);
    expect((await me(owner)).body.data.mfaEnabled).toBe(false);
    await expect(
      users.setMfaEnabled(new Types.ObjectId().toHexString(), true),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  async function signUpWithout(): Promise<string> {
    const username = uniqueUsername();
    await signUp(t.http, username);
    return username;
  }
});

describe('REQUIRE_EMAIL_VERIFICATION=true', () => {
  let t: MailTestApp;

  beforeAll(async () => {
    t = await createMailTestApp({
      REQUIRE_EMAIL_VERIFICATION: 'true',
      ADMIN_USERNAME: 'strict-admin',
      ADMIN_PASSWORD: PASSWORD,
    });
  });

  afterAll(() => t?.close());

  it('needs an address at sign-up', async () => {
    const answer = await t.http
      .post('/auth/sign-up')
      .send({ username: uniqueUsername(), password: PASSWORD })
      .expect(400);
    expect(answer.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [expect.objectContaining({ field: 'email' })],
    });
  });

  it('refuses the right password of an unverified account with 403 EMAIL_NOT_VERIFIED, a wrong one with 401', async () => {
    const username = uniqueUsername();
    const email = uniqueEmail();
    await t.http.post('/auth/sign-up').send({ username, password: PASSWORD, email }).expect(201);
    const right = await t.http
      .post('/auth/sign-in')
      .send({ username, password: PASSWORD })
      .expect(403);
    expect(right.body.error.code).toBe('EMAIL_NOT_VERIFIED');
    expect(right.headers['set-cookie']).toBeUndefined();
    const wrong = await t.http
      .post('/auth/sign-in')
      .send({ username, password: 'wrong password' })
      .expect(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');

    await t.http
      .post('/auth/email/verify')
      .send({ token: tokenOfLink(await t.mail.nth(email), '/verify-email') })
      .expect(200);
    await signIn(t.http, username);
  });

  it('exempts the admin ADMIN_USERNAME seeds', async () => {
    await signIn(t.http, 'strict-admin');
  });
});
