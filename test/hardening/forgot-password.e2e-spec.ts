import { Mail, MailService } from '../../src/mail/mail.service';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { commandsDuring, monitoredDatabaseUri, withFilterKeys } from '../support/database-commands';
import { createMailTestApp, linkIn, MailTestApp, settledMails } from '../support/mail-server';
import { createTestApp, TestApp } from '../support/test-app';
import { accountsInEveryState, uniqueEmail, verifiedUser } from '../recovery/recovery-helpers';

/**
 * Forgot-password tells nothing about the account: not by its answer, not by the database work
 * it does (nor so by its time), whichever case. And it is rate limited like a sign-in.
 */
describe('forgot-password against enumeration', () => {
  let t: MailTestApp;

  beforeAll(async () => {
    t = await createMailTestApp({
      MONGODB_URI: monitoredDatabaseUri(),
      ADMIN_USERNAME: 'enum-admin',
      ADMIN_PASSWORD: PASSWORD,
    });
  });

  afterAll(() => t?.close());

  /** The commands one forgot-password request sends, each with the keys it filters on. */
  async function commandsOf(body: object): Promise<string[]> {
    return commandsDuring(
      t,
      () => t.http.post('/auth/password/forgot').send(body).expect(202),
      withFilterKeys,
    );
  }

  it('sends the same commands whether the account exists, is verified, is disabled or has no address', async () => {
    const { mailed, unverified, disabled, withoutAddress } = await accountsInEveryState(
      t,
      'enum-admin',
    );

    const known = await commandsOf({ username: mailed.username });
    expect(known.length).toBeGreaterThan(0);
    for (const username of [
      uniqueUsername('nobody'),
      unverified.username,
      disabled.username,
      withoutAddress,
    ])
      expect(await commandsOf({ username })).toEqual(known);

    const knownAddress = await commandsOf({ email: mailed.email });
    for (const email of [uniqueEmail('nobody'), unverified.email, disabled.email])
      expect(await commandsOf({ email })).toEqual(knownAddress);

    // reads by primary key only, whatever the case
    for (const read of [...known, ...knownAddress].filter((command) => command.includes('.find')))
      expect(read).toMatch(/\.find _id$/);
    await settledMails(t);
    expect(
      t.mail.to(mailed.email).filter((sent) => sent.subject === 'Reset your password'),
    ).toHaveLength(2);
  });

  it('composes the reset mail in every case, and sends only the one to a verified address', async () => {
    const { mailed, unverified, disabled, withoutAddress } = await accountsInEveryState(
      t,
      'enum-admin',
    );
    const mail = t.app.get(MailService);
    const sent = jest.spyOn(mail, 'send');
    const composedOnly = jest.spyOn(mail, 'composeOnly');
    const mailsOf = (spy: jest.SpyInstance<void, [Mail]>) => spy.mock.calls.map(([each]) => each);
    try {
      for (const [body, mailedTo] of [
        [{ username: mailed.username }, mailed.email],
        [{ email: mailed.email }, mailed.email],
        [{ username: uniqueUsername('nobody') }, undefined],
        [{ email: uniqueEmail('nobody') }, undefined],
        [{ username: unverified.username }, undefined],
        [{ username: disabled.username }, undefined],
        [{ username: withoutAddress }, undefined],
      ] as const) {
        sent.mockClear();
        composedOnly.mockClear();
        await t.http.post('/auth/password/forgot').send(body).expect(202);
        const [composed, ...more] = [...mailsOf(sent), ...mailsOf(composedOnly)];
        expect(more).toHaveLength(0);
        expect(composed.subject).toBe('Reset your password');
        linkIn(composed, '/reset-password');
        expect(mailsOf(sent).map((each) => each.to)).toEqual(
          mailedTo === undefined ? [] : [mailedTo],
        );
      }
    } finally {
      sent.mockRestore();
      composedOnly.mockRestore();
    }
  });

  it('sends the same commands once an account, or a name nobody has, is past its 3 mails an hour', async () => {
    const capped = await verifiedUser(t);
    const nobody = uniqueUsername('nobody');
    for (let i = 0; i < 3; i++) {
      await commandsOf({ username: capped.username });
      await commandsOf({ username: nobody });
    }
    expect(await commandsOf({ username: nobody })).toEqual(
      await commandsOf({ username: capped.username }),
    );
  });
});

describe('forgot-password rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      TRUST_PROXY: 'loopback',
      AUTH_RATE_LIMIT: '3',
      AUTH_IP_RATE_LIMIT: '5',
    });
  });

  afterAll(() => t?.close());

  let clients = 0;
  const newClient = () => `203.0.113.${(clients += 1)}`;
  const forgot = (ip: string, body: object) =>
    t.http.post('/auth/password/forgot').set('X-Forwarded-For', ip).send(body);

  it('counts against AUTH_RATE_LIMIT per client and account, by username or by address', async () => {
    for (const [body, same] of [
      [
        { username: uniqueUsername() },
        (b: { username: string }) => ({ username: b.username.toUpperCase() }),
      ],
      [
        { email: uniqueEmail() },
        (b: { email: string }) => ({ email: ` ${b.email.toUpperCase()}` }),
      ],
    ] as const) {
      const ip = newClient();
      for (let i = 0; i < 3; i++)
        await forgot(ip, i === 1 ? same(body as never) : body).expect(202);
      const refused = await forgot(ip, body).expect(429);
      expect(refused.body.error.code).toBe('TOO_MANY_REQUESTS');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // another client asking for the same account is not held up
      await forgot(newClient(), body).expect(202);
    }
  });

  it('counts against AUTH_IP_RATE_LIMIT whatever the account, together with sign-ins', async () => {
    const ip = newClient();
    for (let i = 0; i < 3; i++) await forgot(ip, { email: uniqueEmail() }).expect(202);
    for (let i = 0; i < 2; i++)
      await t.http
        .post('/auth/sign-in')
        .set('X-Forwarded-For', ip)
        .send({ username: uniqueUsername(), password: PASSWORD })
        .expect(401);
    const refused = await forgot(ip, { username: uniqueUsername() }).expect(429);
    expect(refused.body.error.code).toBe('TOO_MANY_REQUESTS');
  });
});
