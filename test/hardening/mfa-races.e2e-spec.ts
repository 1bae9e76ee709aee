import type { Response } from 'supertest';
import { newSession, uniqueUsername } from '../support/auth-helpers';
import { enrolMfa, Enrolment, startMfaSignIn } from '../support/mfa-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Contract, "Second factor": a code accepted once is refused again, and a recovery code or an
 * mfaToken serves once, also when requests race, on the embedded FerretDB (which applies guarded
 * updates non-atomically) as on MongoDB: each is decided by an insert.
 */
describe('second factor under racing requests', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function enrolled(): Promise<Enrolment & { username: string }> {
    const username = uniqueUsername('race');
    const session = await newSession(t.http, username);
    return { username, ...(await enrolMfa(t.http, session.accessToken)) };
  }

  const verify = (mfaToken: string, code: string) =>
    t.http.post('/auth/mfa/verify').send({ mfaToken, code });

  /** The statuses of racing verifies, sorted, with each refusal's code. */
  const outcomes = (responses: Response[]) =>
    responses
      .map((res) =>
        res.status === 200 ? '200' : `${res.status} ${res.body.error?.code as string}`,
      )
      .sort();

  it('accepts one TOTP code once when two verifies race with it: exactly one wins, 100 rounds', async () => {
    for (let round = 0; round < 100; round++) {
      const { username, authenticator } = await enrolled();
      const [first, second] = [
        await startMfaSignIn(t.http, username),
        await startMfaSignIn(t.http, username),
      ];
      const code = await authenticator.code();
      const results = await Promise.all([verify(first, code), verify(second, code)]);
      expect({ round, outcomes: outcomes(results) }).toEqual({
        round,
        outcomes: ['200', '401 INVALID_MFA_CODE'],
      });
    }
  });

  it('accepts one recovery code once when two verifies race with it, 20 rounds', async () => {
    for (let round = 0; round < 20; round++) {
      const { username, recoveryCodes } = await enrolled();
      const [first, second] = [
        await startMfaSignIn(t.http, username),
        await startMfaSignIn(t.http, username),
      ];
      const results = await Promise.all([
        verify(first, recoveryCodes[0]),
        verify(second, recoveryCodes[0]),
      ]);
      expect({ round, outcomes: outcomes(results) }).toEqual({
        round,
        outcomes: ['200', '401 INVALID_MFA_CODE'],
      });
    }
  });

  it('completes one mfaToken once when two verifies race with two good codes, 20 rounds', async () => {
    for (let round = 0; round < 20; round++) {
      const { username, authenticator, recoveryCodes } = await enrolled();
      const mfaToken = await startMfaSignIn(t.http, username);
      const results = await Promise.all([
        verify(mfaToken, await authenticator.code()),
        verify(mfaToken, recoveryCodes[0]),
      ]);
      expect({ round, outcomes: outcomes(results) }).toEqual({
        round,
        outcomes: ['200', '401 INVALID_MFA_TOKEN'],
      });
    }
  });
});
