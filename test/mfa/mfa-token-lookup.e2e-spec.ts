import { commandsDuring, monitoredDatabaseUri, withFilterKeys } from '../support/database-commands';
import { newSession } from '../support/auth-helpers';
import { enrolMfa, startMfaSignIn } from '../support/mfa-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * An mfaToken is a split token: the pending sign-in is found by `_id` (its selector), never by a
 * filter on its hash, which the embedded FerretDB would answer by reading every pending sign-in.
 */
describe('mfaToken lookup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ MONGODB_URI: monitoredDatabaseUri() });
  });
  afterAll(() => t.close());

  const challengeReads = (run: () => Promise<unknown>): Promise<string[]> =>
    commandsDuring(t, run, (event) =>
      event.command[event.commandName] === 'mfa_challenges' && event.commandName === 'find'
        ? withFilterKeys(event)
        : undefined,
    );

  it('finds the pending sign-in by primary key, for a real token and for a forged one', async () => {
    const session = await newSession(t.http);
    const { recoveryCodes } = await enrolMfa(t.http, session.accessToken);
    const mfaToken = await startMfaSignIn(t.http, session.username);

    // the same selector with another verifier: found by `_id`, refused by its hash
    const forged = mfaToken.slice(0, 16) + (mfaToken[16] === 'A' ? 'B' : 'A') + mfaToken.slice(17);
    const refused = await challengeReads(() =>
      t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken: forged, code: recoveryCodes[0] })
        .expect(401),
    );
    expect(refused).toEqual(['mfa_challenges.find _id']);

    const completed = await challengeReads(() =>
      t.http.post('/auth/mfa/verify').send({ mfaToken, code: recoveryCodes[0] }).expect(200),
    );
    expect(completed).toEqual(['mfa_challenges.find _id']);
  });
});

/**
 * The commands of a second step that succeeds, in order: each one here is a round trip every
 * two-step sign-in pays, so a new one should be a decision, not an accident.
 */
describe('a second step, command by command', () => {
  let t: TestApp;
  beforeAll(async () => {
    // the account throttle as shipped: its record is read before a code is looked at
    t = await createTestApp({
      MONGODB_URI: monitoredDatabaseUri(),
      ACCOUNT_LOCKOUT_THRESHOLD: '5',
    });
  });
  afterAll(() => t.close());

  const commandsOf = (run: () => Promise<unknown>): Promise<string[]> =>
    commandsDuring(t, run, (event) =>
      ['find', 'insert', 'delete', 'update', 'getMore', 'killCursors'].includes(event.commandName)
        ? withFilterKeys(event)
        : undefined,
    );

  const OPEN_SESSIONS = 'sessions.find userId,_id,endedAt,absoluteExpiresAt';

  /**
   * The second step's commands, the code's use being `codeUse`. Commands sent side by side may
   * start in either order: each such group is compared sorted.
   */
  const expectSecondStep = (commands: string[], codeUse: string) => {
    const sideBySide = (from: number, to: number) => commands.slice(from, to).sort();
    expect([
      ...commands.slice(0, 5),
      sideBySide(5, 7),
      sideBySide(7, 9),
      ...commands.slice(9),
    ]).toEqual([
      // the pending sign-in, which carries the factor as the password step read it, and the mark of
      // its completion, in one read: no other read before the code
      'mfa_challenges.find _id',
      'account_throttles.find _id',
      codeUse,
      // the factor is read once the code is used up, in case it changed meanwhile
      'mfa_factors.find _id',
      // completed by inserting that mark: it shares a command with other requests' under load
      'mfa_challenges.insert ',
      // the session (carrying its activity until its first refresh) beside its first token
      ['refresh_tokens.insert ', 'sessions.insert '],
      // the holder beside the cap's count of open sessions
      [OPEN_SESSIONS, 'users.find _id'],
      'security_events.insert ',
    ]);
  };

  it('with a recovery code: 10 commands, the user read once, no activity of its own', async () => {
    const session = await newSession(t.http);
    const { recoveryCodes } = await enrolMfa(t.http, session.accessToken);
    const mfaToken = await startMfaSignIn(t.http, session.username);
    const commands = await commandsOf(() =>
      t.http.post('/auth/mfa/verify').send({ mfaToken, code: recoveryCodes[0] }).expect(200),
    );
    expectSecondStep(commands, 'mfa_recovery_code_uses.insert ');
  });

  it('with a TOTP code: the same 10', async () => {
    const session = await newSession(t.http);
    const { authenticator } = await enrolMfa(t.http, session.accessToken);
    const mfaToken = await startMfaSignIn(t.http, session.username);
    const code = await authenticator.code();
    const commands = await commandsOf(() =>
      t.http.post('/auth/mfa/verify').send({ mfaToken, code }).expect(200),
    );
    expectSecondStep(commands, 'mfa_claims.insert ');
  });
});
