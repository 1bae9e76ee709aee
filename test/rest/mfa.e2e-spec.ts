import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { Cleanup } from '../../src/database/cleanup';
import { completionIdOf, totpClaimIdOf } from '../../src/mfa/store/mfa.repository';
import { TOTP_PERIOD_SECONDS, totpCodeAt } from '../../src/mfa/totp';
import { selectorOf } from '../../src/tokens/token.service';
import {
  cookiesNamed,
  decodeAccessToken,
  EventBody,
  newSession,
  PASSWORD,
  setCookies,
  SignedIn,
  signIn,
  uniqueUsername,
} from '../support/auth-helpers';
import {
  Authenticator,
  disableMfa,
  enrolMfa,
  mfaTokenOf,
  signInWithMfa,
  startMfaSignIn,
} from '../support/mfa-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectError, expectFieldError, expectSuccess } from './rest-helpers';

const ADMIN = { username: 'Mfa.Admin', password: 'the admin password' };

/** Contract, "Second factor (TOTP, RFC 6238)", on the REST face. */
describe('second factor (TOTP): REST', () => {
  let t: TestApp;
  let db: Connection;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    db = t.app.get<Connection>(getConnectionToken());
    admin = await signIn(t.http, ADMIN.username, ADMIN.password);
  });
  afterAll(() => t.close());

  const post = (path: string, token: string) =>
    t.http.post(path).set('Authorization', bearer(token));
  const setup = (token: string) => post('/auth/mfa/totp/setup', token);
  const confirm = (token: string, code: unknown) =>
    post('/auth/mfa/totp/confirm', token).send({ code });
  const regenerate = (token: string, code: unknown) =>
    post('/auth/mfa/recovery-codes', token).send({ code });
  const disable = (token: string, code: unknown) => disableMfa(t.http, token, code);
  const verify = (mfaToken: string, code: unknown) =>
    t.http.post('/auth/mfa/verify').send({ mfaToken, code });
  const eventTypes = async (session: SignedIn): Promise<string[]> => {
    const res = await t.http
      .get(`/users/${session.userId}/security-events`)
      .set('Authorization', bearer(session.accessToken));
    return expectSuccess<EventBody[]>(res).map((event) => event.type);
  };

  /** A new user with TOTP on, and the fresh session it enrolled with. */
  async function enrolledUser(prefix = 'mfa') {
    const session = await newSession(t.http, uniqueUsername(prefix));
    return { session, ...(await enrolMfa(t.http, session.accessToken)) };
  }

  describe('enrolment', () => {
    it('shows mfaEnabled to the user itself and to admins, and null to anyone else', async () => {
      const { session } = await enrolledUser('shown');
      const stranger = await newSession(t.http, uniqueUsername('stranger'));
      const read = async (viewer: SignedIn) =>
        expectSuccess<{ mfaEnabled: boolean | null }>(
          await t.http
            .get(`/users/${session.userId}`)
            .set('Authorization', bearer(viewer.accessToken)),
        ).mfaEnabled;
      expect(await read(session)).toBe(true);
      expect(await read(admin)).toBe(true);
      expect(await read(stranger)).toBeNull();
    });

    it('sets up a pending secret, confirms it with a current code and answers 10 recovery codes', async () => {
      const session = await newSession(t.http, uniqueUsername('enrol'));
      const pending = expectSuccess<{ secret: string; otpauthUrl: string }>(
        await setup(session.accessToken),
      );
      expect(pending.secret).toMatch(/^[A-Z2-7]{32}$/);
      const uri = new URL(pending.otpauthUrl);
      expect(`${uri.protocol}//${uri.host}`).toBe('otpauth://totp');
      expect(decodeURIComponent(uri.pathname)).toBe(`/${t.config.jwt.issuer}:${session.username}`);
      expect(Object.fromEntries(uri.searchParams)).toEqual({
        secret: pending.secret,
        issuer: t.config.jwt.issuer,
        algorithm: 'SHA1',
        digits: '6',
        period: '30',
      });

      // pending, not on: the password alone still signs in
      expectSuccess(
        await t.http.post('/auth/sign-in').send({ username: session.username, password: PASSWORD }),
      );
      const authenticator = new Authenticator(pending.secret);
      const { recoveryCodes } = expectSuccess<{ recoveryCodes: string[] }>(
        await confirm(session.accessToken, await authenticator.code()),
      );
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);

      mfaTokenOf(
        await t.http.post('/auth/sign-in').send({ username: session.username, password: PASSWORD }),
      );
      expect(await eventTypes(session)).toContain('mfa-enabled');
      // on: no second setup, and nothing left to confirm
      expectError(await setup(session.accessToken), 409, 'MFA_ALREADY_ENABLED');
      expectError(
        await confirm(session.accessToken, await authenticator.code()),
        409,
        'MFA_SETUP_REQUIRED',
      );
    });

    it('replaces a pending setup with a new one', async () => {
      const session = await newSession(t.http, uniqueUsername('resetup'));
      const first = new Authenticator(
        expectSuccess<{ secret: string }>(await setup(session.accessToken)).secret,
      );
      const second = new Authenticator(
        expectSuccess<{ secret: string }>(await setup(session.accessToken)).secret,
      );
      expect(second.secret).not.toBe(first.secret);
      expectError(await confirm(session.accessToken, await first.code()), 401, 'INVALID_MFA_CODE');
      expectSuccess(await confirm(session.accessToken, await second.code()));
    });

    it('refuses to confirm without a setup, or with a wrong code (recorded as mfa-failed)', async () => {
      const session = await newSession(t.http, uniqueUsername('noconfirm'));
      expectError(await confirm(session.accessToken, '123456'), 409, 'MFA_SETUP_REQUIRED');
      const authenticator = new Authenticator(
        expectSuccess<{ secret: string }>(await setup(session.accessToken)).secret,
      );
      expectError(
        await confirm(session.accessToken, authenticator.wrongCode()),
        401,
        'INVALID_MFA_CODE',
      );
      expect(await eventTypes(session)).toContain('mfa-failed');
      // still pending
      expectSuccess(await confirm(session.accessToken, await authenticator.code()));
    });

    it('refuses a code that is not a non-empty string with 400, and any other wrong one with 401', async () => {
      const session = await newSession(t.http, uniqueUsername('badcode'));
      await setup(session.accessToken).expect(200);
      for (const code of [123456, '', null, ['123456'], { $ne: null }])
        expectFieldError(await confirm(session.accessToken, code), 'code');
      expectFieldError(await post('/auth/mfa/totp/confirm', session.accessToken).send({}), 'code');
      for (const code of ['abc', '12345', '1234567', 'x'.repeat(500)])
        expectError(await confirm(session.accessToken, code), 401, 'INVALID_MFA_CODE');
    });

    it('needs a fresh login: a refreshed access token is refused', async () => {
      const session = await newSession(t.http, uniqueUsername('stale'));
      const refreshed = await t.http
        .post('/auth/refresh-token')
        .set('Cookie', session.cookie)
        .expect(200);
      const stale = refreshed.body.data.accessToken as string;
      expectError(await setup(stale), 403, 'FRESH_LOGIN_REQUIRED');
      expectError(await confirm(stale, '123456'), 403, 'FRESH_LOGIN_REQUIRED');
      expectError(await regenerate(stale, '123456'), 403, 'FRESH_LOGIN_REQUIRED');
      expectError(await disable(stale, '123456'), 403, 'FRESH_LOGIN_REQUIRED');
      expectError(await setup('not a token'), 401, 'UNAUTHORIZED');
    });

    it('keeps the secret at rest only sealed, and recovery codes only as digests', async () => {
      const { session, authenticator, recoveryCodes } = await enrolledUser('atrest');
      await startMfaSignIn(t.http, session.username);
      const stored = await db
        .collection('mfa_factors')
        .findOne({ _id: new Types.ObjectId(session.userId) });
      expect(stored).not.toBeNull();
      // the pending sign-in carries the factor as it is stored: sealed and digested alike
      const pending = await db
        .collection('mfa_challenges')
        .findOne({ userId: new Types.ObjectId(session.userId) });
      expect(pending!.factor).toEqual({
        secret: stored!.secret,
        recoverySetId: stored!.recoverySetId,
        recoveryCodeDigests: stored!.recoveryCodeDigests,
      });
      const dump = JSON.stringify([stored, pending]);
      const secret = authenticator.secret;
      for (const form of [secret, secret.toLowerCase(), Buffer.from(secret).toString('base64')])
        expect(dump).not.toContain(form);
      for (const code of recoveryCodes) {
        expect(dump).not.toContain(code);
        expect(dump).not.toContain(code.replace(/-/g, ''));
      }
      expect(stored!.secret).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(stored!.recoveryCodeDigests).toHaveLength(10);
      // a sealed secret is bound to its user: copied onto another user's factor, no code passes
      const other = await enrolledUser('atrest2');
      await db
        .collection('mfa_factors')
        .updateOne(
          { _id: new Types.ObjectId(other.session.userId) },
          { $set: { secret: stored!.secret } },
        );
      const mfaToken = await startMfaSignIn(t.http, other.session.username);
      expectError(await verify(mfaToken, await authenticator.code()), 500, 'INTERNAL_ERROR');
    });
  });

  describe('two-step sign-in', () => {
    it('answers the right password with MFA_REQUIRED and an mfaToken, and nothing else', async () => {
      const { session } = await enrolledUser('twostep');
      const res = await t.http
        .post('/auth/sign-in')
        .send({ username: session.username, password: PASSWORD });
      const error = expectError(res, 401, 'MFA_REQUIRED');
      expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message', 'mfaToken']);
      // a split token: the pending sign-in's 12-byte id, then 256 random bits (44 bytes, base64url)
      expect(mfaTokenOf(res)).toMatch(/^[A-Za-z0-9_-]{59}$/);
      expect(setCookies(res)).toEqual([]);
      expect(JSON.stringify(res.body)).not.toContain('accessToken');
      // a wrong password stays INVALID_CREDENTIALS
      expectError(
        await t.http
          .post('/auth/sign-in')
          .send({ username: session.username, password: 'wrong password' }),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    it('completes with a code exactly like a sign-in: cookies, fresh token, amr pwd+mfa kept across refresh', async () => {
      const { session, authenticator } = await enrolledUser('complete');
      const signedIn = await signInWithMfa(t.http, session.username, authenticator.code());
      const { response } = signedIn;
      expect(cookiesNamed(response, 'refreshToken')).toHaveLength(1);
      expect(cookiesNamed(response, 'deviceId')).toHaveLength(1);
      const { payload } = decodeAccessToken(signedIn.accessToken);
      expect(payload).toMatchObject({ sub: session.userId, fresh: true, amr: ['pwd', 'mfa'] });
      expect(response.body.data).toMatchObject({
        tokenType: 'Bearer',
        user: { id: session.userId },
      });

      const refreshed = await t.http
        .post('/auth/refresh-token')
        .set('Cookie', signedIn.cookie)
        .expect(200);
      expect(decodeAccessToken(refreshed.body.data.accessToken as string).payload).toMatchObject({
        fresh: false,
        amr: ['pwd', 'mfa'],
      });
      // the session is listed like any other, and the sign-in recorded
      const sessions = expectSuccess<{ id: string }[]>(
        await t.http
          .get(`/users/${session.userId}/sessions`)
          .set('Authorization', bearer(signedIn.accessToken)),
      );
      expect(sessions.map((item) => item.id)).toContain(payload.sid);
      expect(await eventTypes(signedIn)).toContain('sign-in');
      // a password-only session says so
      const other = await newSession(t.http, uniqueUsername('pwdonly'));
      expect(decodeAccessToken(other.accessToken).payload.amr).toEqual(['pwd']);
    });

    it('uses an mfaToken once, and refuses one it never issued', async () => {
      const { session, authenticator, recoveryCodes } = await enrolledUser('once');
      const mfaToken = await startMfaSignIn(t.http, session.username);
      expectSuccess(await verify(mfaToken, await authenticator.code()));
      expectError(await verify(mfaToken, recoveryCodes[0]), 401, 'INVALID_MFA_TOKEN');
      expectError(await verify('A'.repeat(43), recoveryCodes[0]), 401, 'INVALID_MFA_TOKEN');
      // a token whose selector names the mark of its completion, which anyone holding the token
      // can derive: no pending sign-in
      const onMark = Buffer.concat([
        completionMarkOf(mfaToken).id,
        Buffer.from(mfaToken, 'base64url').subarray(12),
      ]).toString('base64url');
      expectError(await verify(onMark, recoveryCodes[0]), 401, 'INVALID_MFA_TOKEN');
      expectFieldError(await verify('', recoveryCodes[0]), 'mfaToken');
      // the recovery code was not spent by those refusals
      expectSuccess(await verify(await startMfaSignIn(t.http, session.username), recoveryCodes[0]));
    });

    it('refuses a replayed code, and leaves the mfaToken of a wrong code usable', async () => {
      const { session, authenticator, recoveryCodes } = await enrolledUser('replay');
      const confirmCode = authenticator.lastCode();
      const first = await startMfaSignIn(t.http, session.username);
      const second = await startMfaSignIn(t.http, session.username);
      const code = await authenticator.code();
      expectSuccess(await verify(first, code));
      expectError(await verify(second, code), 401, 'INVALID_MFA_CODE');
      // the code accepted at confirm is refused too
      expectError(await verify(second, confirmCode), 401, 'INVALID_MFA_CODE');
      expectSuccess(await verify(second, recoveryCodes[1]));
    });

    it('takes each recovery code once, however it was copied', async () => {
      const { session, recoveryCodes } = await enrolledUser('recovery');
      const [code, other] = recoveryCodes;
      expectSuccess(await verify(await startMfaSignIn(t.http, session.username), code));
      expectError(
        await verify(await startMfaSignIn(t.http, session.username), code.toUpperCase()),
        401,
        'INVALID_MFA_CODE',
      );
      expectSuccess(
        await verify(
          await startMfaSignIn(t.http, session.username),
          ` ${other.replace(/-/g, '').toUpperCase()} `,
        ),
      );
    });

    it('refuses a second step whose factor was turned off meanwhile: sign in again', async () => {
      const { session, authenticator, recoveryCodes } = await enrolledUser('turnedoff');
      const mfaToken = await startMfaSignIn(t.http, session.username);
      expectSuccess(await disable(session.accessToken, await authenticator.code()));
      // a code of the factor, the one that turned it off (a replay), a wrong one, one shaped like
      // a recovery code, none: the sign-in is over
      const codes = [
        recoveryCodes[0],
        authenticator.lastCode(),
        authenticator.wrongCode(),
        'aaaa-bbbb-cccc',
        'not a code',
      ];
      for (const code of codes) expectError(await verify(mfaToken, code), 401, 'INVALID_MFA_TOKEN');
    });
    it('refuses a second step of an account disabled since the password step, and leaves it no session', async () => {
      const { session, recoveryCodes } = await enrolledUser('disabledmeanwhile');
      const mfaToken = await startMfaSignIn(t.http, session.username);
      await t.http
        .patch(`/users/${session.userId}`)
        .set('Authorization', bearer(admin.accessToken))
        .send({ disabled: true })
        .expect(200);
      expectError(await verify(mfaToken, recoveryCodes[0]), 403, 'ACCOUNT_DISABLED');
      const open = await db
        .collection('sessions')
        .countDocuments({ userId: new Types.ObjectId(session.userId), endedAt: null });
      expect(open).toBe(0);
    });

    it('checks a code against the factor as it is now: a set regenerated meanwhile is refused, and left unused', async () => {
      const { session, authenticator, recoveryCodes } = await enrolledUser('regenmeanwhile');
      const mfaToken = await startMfaSignIn(t.http, session.username);
      const oldSetId = (await db
        .collection('mfa_factors')
        .findOne({ _id: new Types.ObjectId(session.userId) }))!.recoverySetId as string;
      expectSuccess(await regenerate(session.accessToken, await authenticator.code()));
      expectError(await verify(mfaToken, recoveryCodes[1]), 401, 'INVALID_MFA_CODE');
      // the use the refused code claimed was taken back: nothing outlives the old set
      expect(
        await db
          .collection('mfa_recovery_code_uses')
          .countDocuments({ _id: { $regex: `^${oldSetId}:` } } as object),
      ).toBe(0);
      // the pending sign-in still completes with a current code
      expectSuccess(await verify(mfaToken, await authenticator.code()));
    });

    it('takes recovery codes regenerated after the password step; a factor set up again since ends it', async () => {
      const { session, recoveryCodes } = await enrolledUser('changedsince');
      const beforeRegenerate = await startMfaSignIn(t.http, session.username);
      const { recoveryCodes: fresh } = expectSuccess<{ recoveryCodes: string[] }>(
        await regenerate(session.accessToken, recoveryCodes[0]),
      );
      expectSuccess(await verify(beforeRegenerate, fresh[0]));

      // turned off and set up again: a sign-in started before is over, whatever code it gets
      const beforeSetUpAgain = await startMfaSignIn(t.http, session.username);
      expectSuccess(await disable(session.accessToken, fresh[1]));
      const { secret } = expectSuccess<{ secret: string }>(await setup(session.accessToken));
      const again = new Authenticator(secret);
      const { recoveryCodes: newest } = expectSuccess<{ recoveryCodes: string[] }>(
        await confirm(session.accessToken, await again.code()),
      );
      expectError(await verify(beforeSetUpAgain, newest[0]), 401, 'INVALID_MFA_TOKEN');
      expectError(await verify(beforeSetUpAgain, await again.code()), 401, 'INVALID_MFA_TOKEN');
      expectError(await verify(beforeSetUpAgain, again.wrongCode()), 401, 'INVALID_MFA_TOKEN');
      // the recovery code was not spent: a new sign-in takes it
      expectSuccess(await verify(await startMfaSignIn(t.http, session.username), newest[0]));
    });

    it("takes a new factor's codes at once: the steps the old factor's codes claimed, even by a sign-in it ended, refuse none of them", async () => {
      const { session, authenticator: old, recoveryCodes } = await enrolledUser('claimedsteps');
      const [confirmedStep] = old.steps();
      const codeAt = (secret: string, step: number) =>
        totpCodeAt(secret, step * TOTP_PERIOD_SECONDS);
      const beforeReset = await startMfaSignIn(t.http, session.username);
      expectSuccess(await disable(session.accessToken, recoveryCodes[0]));
      const { secret } = expectSuccess<{ secret: string }>(await setup(session.accessToken));
      // the new app's code of the step the old factor's confirmation claimed
      expectSuccess(await confirm(session.accessToken, codeAt(secret, confirmedStep)));
      // a sign-in started before the reset claims the next step with the old app's code, and is over
      expectError(
        await verify(beforeReset, codeAt(old.secret, confirmedStep + 1)),
        401,
        'INVALID_MFA_TOKEN',
      );
      // the new app's code of that step signs in
      const mfaToken = await startMfaSignIn(t.http, session.username);
      expectSuccess(await verify(mfaToken, codeAt(secret, confirmedStep + 1)));
    });
  });

  describe('regenerate and disable', () => {
    it('replaces the recovery codes: the old stop working, the new work', async () => {
      const { session, authenticator, recoveryCodes } = await enrolledUser('regen');
      const used = recoveryCodes[0];
      expectSuccess(await verify(await startMfaSignIn(t.http, session.username), used));
      const setId = (await db
        .collection('mfa_factors')
        .findOne({ _id: new Types.ObjectId(session.userId) }))!.recoverySetId as string;
      expect(
        await db
          .collection('mfa_recovery_code_uses')
          .countDocuments({ _id: `${setId}:0` } as object),
      ).toBe(1);

      expectError(
        await regenerate(session.accessToken, authenticator.wrongCode()),
        401,
        'INVALID_MFA_CODE',
      );
      const { recoveryCodes: fresh } = expectSuccess<{ recoveryCodes: string[] }>(
        await regenerate(session.accessToken, await authenticator.code()),
      );
      expect(fresh).toHaveLength(10);
      expect(fresh).not.toContain(recoveryCodes[1]);
      // the old set's uses went with it
      expect(
        await db
          .collection('mfa_recovery_code_uses')
          .countDocuments({ _id: `${setId}:0` } as object),
      ).toBe(0);
      expectError(
        await verify(await startMfaSignIn(t.http, session.username), recoveryCodes[1]),
        401,
        'INVALID_MFA_CODE',
      );
      expectSuccess(await verify(await startMfaSignIn(t.http, session.username), fresh[0]));
      expect(await eventTypes(session)).toContain('recovery-codes-regenerated');
    });

    it('turns the factor off with a fresh login and a code; the password alone signs in again', async () => {
      const { session, authenticator } = await enrolledUser('disable');
      expectError(
        await disable(session.accessToken, authenticator.wrongCode()),
        401,
        'INVALID_MFA_CODE',
      );
      expectSuccess(await disable(session.accessToken, await authenticator.code()));
      expect(
        await db
          .collection('mfa_factors')
          .countDocuments({ _id: new Types.ObjectId(session.userId) }),
      ).toBe(0);
      const again = await signIn(t.http, session.username);
      expect(decodeAccessToken(again.accessToken).payload.amr).toEqual(['pwd']);
      expect(await eventTypes(session)).toEqual(
        expect.arrayContaining(['mfa-enabled', 'mfa-disabled']),
      );
      expectError(await disable(session.accessToken, '123456'), 409, 'MFA_NOT_ENABLED');
      expectError(await regenerate(session.accessToken, '123456'), 409, 'MFA_NOT_ENABLED');
    });
  });

  describe("an admin's reset (DELETE /users/{id}/mfa)", () => {
    const reset = (token: string, userId: string) =>
      t.http.delete(`/users/${userId}/mfa`).set('Authorization', bearer(token));

    it('turns the factor off and ends every session of the user', async () => {
      const { session, authenticator } = await enrolledUser('lostdevice');
      const other = await signInWithMfa(t.http, session.username, authenticator.code());
      expectError(await reset(session.accessToken, session.userId), 403, 'FORBIDDEN');
      expectSuccess(await reset(admin.accessToken, session.userId));

      for (const ended of [session, other]) {
        expectError(
          await t.http.get('/auth/me').set('Authorization', bearer(ended.accessToken)),
          401,
          'UNAUTHORIZED',
        );
        expectError(
          await t.http.post('/auth/refresh-token').set('Cookie', ended.cookie),
          401,
          'INVALID_REFRESH_TOKEN',
        );
      }
      const again = await signIn(t.http, session.username);
      const events = await t.http
        .get(`/users/${session.userId}/security-events`)
        .set('Authorization', bearer(admin.accessToken))
        .expect(200);
      expect(
        (events.body.data as EventBody[]).find((event) => event.type === 'mfa-reset'),
      ).toMatchObject({ actorId: admin.userId });
      expectError(await reset(admin.accessToken, again.userId), 409, 'MFA_NOT_ENABLED');
    });

    it('answers 404 for a user that does not exist and 400 for a malformed id', async () => {
      expectError(
        await reset(admin.accessToken, new Types.ObjectId().toHexString()),
        404,
        'NOT_FOUND',
      );
      expectFieldError(await reset(admin.accessToken, 'not-an-id'), 'id');
    });
  });

  describe('stored state stays bounded', () => {
    it('deletes mfaTokens and used-code claims once they can no longer matter', async () => {
      const { session, authenticator } = await enrolledUser('bounded');
      const issuedFrom = Date.now();
      await startMfaSignIn(t.http, session.username);
      const completed = await startMfaSignIn(t.http, session.username);
      const issuedUntil = Date.now();
      expectSuccess(await verify(completed, await authenticator.code()));
      const userId = new Types.ObjectId(session.userId);
      const challenges = db.collection('mfa_challenges');
      const claims = db.collection('mfa_claims');
      // the one left pending, and the completed one beside the mark of its completion
      expect(await challenges.countDocuments({ userId })).toBe(2);
      const mark = completionMarkOf(completed);
      expect(await challenges.countDocuments({ _id: mark })).toBe(1);
      // the mark lasts as long as the mfaToken could (5 minutes, in whole seconds)
      expect(mark.getTimestamp().getTime()).toBeGreaterThanOrEqual(issuedFrom + 300_000 - 1_000);
      expect(mark.getTimestamp().getTime()).toBeLessThanOrEqual(issuedUntil + 300_000 + 1_000);
      // the confirming code's step and the sign-in's, each kept until the end of the step after
      // the next: a code is accepted one step late, plus one step for clocks that disagree
      const steps = authenticator.steps();
      const factor = await db.collection('mfa_factors').findOne({ _id: userId });
      const claimIds = steps.map((step) => totpClaimIdOf(userId, factor!.secret as string, step));
      expect(claimIds).toHaveLength(2);
      expect(await claims.countDocuments({ _id: { $in: claimIds } })).toBe(2);
      expect(claimIds.map((id) => id.getTimestamp().getTime())).toEqual(
        steps.map((step) => (step + 3) * 30_000),
      );

      const cleanup = t.app.get(Cleanup);
      await cleanup.runOnce(new Date());
      expect(await challenges.countDocuments({ userId })).toBe(2);
      expect(await challenges.countDocuments({ _id: mark })).toBe(1);
      expect(await claims.countDocuments({ _id: { $in: claimIds } })).toBe(2);
      // 5 minutes for an mfaToken; a used step matters until two steps after it, and one more
      await cleanup.runOnce(new Date(Date.now() + 6 * 60_000));
      expect(await challenges.countDocuments({})).toBe(0);
      expect(await claims.countDocuments({})).toBe(0);
    });

    it("deletes a user's factor with the user", async () => {
      const { session } = await enrolledUser('deleted');
      expectSuccess(
        await t.http
          .delete(`/users/${session.userId}`)
          .set('Authorization', bearer(admin.accessToken)),
      );
      expect(
        await db
          .collection('mfa_factors')
          .countDocuments({ _id: new Types.ObjectId(session.userId) }),
      ).toBe(0);
    });
  });
});

/** The `_id` under which the pending sign-in of `mfaToken` is marked completed. */
function completionMarkOf(mfaToken: string): Types.ObjectId {
  return completionIdOf(selectorOf(mfaToken)!);
}
