import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { TOTP_PERIOD_SECONDS, totpCodeAt } from '../../src/mfa/totp';
import { PASSWORD, refreshCookieFrom, SignedIn } from './auth-helpers';

const stepNow = (): number => Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The user's authenticator app: the codes of one secret. The server takes a code once, for the
 * current step and one step either side, so each `code()` is of a step not given out before: the
 * current step or the next (never the previous, which the server may have left behind by the time
 * the request arrives). When both are spent it waits for the next step to begin.
 */
export class Authenticator {
  private readonly spent = new Set<number>();

  constructor(readonly secret: string) {}

  async code(): Promise<string> {
    for (;;) {
      const now = stepNow();
      const step = [now, now + 1].find((candidate) => !this.spent.has(candidate));
      if (step !== undefined) {
        this.spent.add(step);
        return totpCodeAt(this.secret, step * TOTP_PERIOD_SECONDS);
      }
      await sleep((now + 1) * TOTP_PERIOD_SECONDS * 1000 - Date.now() + 50);
    }
  }

  /** The time steps it gave out codes of. */
  steps(): number[] {
    return [...this.spent];
  }

  /** A code the server accepted before (the last one given out), for replays. */
  lastCode(): string {
    return totpCodeAt(this.secret, Math.max(...this.spent) * TOTP_PERIOD_SECONDS);
  }

  /** Six digits that are no code of this secret anywhere near now. */
  wrongCode(): string {
    const now = stepNow();
    const near = new Set(
      [-2, -1, 0, 1, 2, 3].map((offset) =>
        totpCodeAt(this.secret, (now + offset) * TOTP_PERIOD_SECONDS),
      ),
    );
    return ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].find(
      (code) => !near.has(code),
    )!;
  }
}

export interface Enrolment {
  authenticator: Authenticator;
  recoveryCodes: string[];
}

/** Sets TOTP up and confirms it (REST), with a fresh access token of the user. */
export async function enrolMfa(http: TestAgent, accessToken: string): Promise<Enrolment> {
  const setup = await http
    .post('/auth/mfa/totp/setup')
    .set('Authorization', `Bearer ${accessToken}`)
    .expect(200);
  const secret = setup.body.data.secret as string;
  const authenticator = new Authenticator(secret);
  const confirmed = await http
    .post('/auth/mfa/totp/confirm')
    .set('Authorization', `Bearer ${accessToken}`)
    .send({ code: await authenticator.code() })
    .expect(200);
  return { authenticator, recoveryCodes: confirmed.body.data.recoveryCodes as string[] };
}

/** Turns the second factor off (REST `DELETE /auth/mfa`), with a fresh access token and a code. */
export function disableMfa(http: TestAgent, accessToken: string, code: unknown) {
  return http.delete('/auth/mfa').set('Authorization', `Bearer ${accessToken}`).send({ code });
}

/** The mfaToken of a sign-in answered 401 MFA_REQUIRED. */
export function mfaTokenOf(res: Pick<Response, 'status' | 'body'>): string {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({
    status: 401,
    code: 'MFA_REQUIRED',
  });
  return res.body.error.mfaToken as string;
}

/** Signs in with the password (REST), answered MFA_REQUIRED: its mfaToken. */
export async function startMfaSignIn(
  http: TestAgent,
  username: string,
  cookie?: string,
): Promise<string> {
  const request = http.post('/auth/sign-in').send({ username, password: PASSWORD });
  return mfaTokenOf(await (cookie === undefined ? request : request.set('Cookie', cookie)));
}

/** Both steps of a sign-in (REST) with a code, as a browser with `cookie` (if any). */
export async function signInWithMfa(
  http: TestAgent,
  username: string,
  code: string | Promise<string>,
  cookie?: string,
): Promise<SignedIn & { response: Response }> {
  const mfaToken = await startMfaSignIn(http, username, cookie);
  const request = http.post('/auth/mfa/verify').send({ mfaToken, code: await code });
  const response = await (cookie === undefined ? request : request.set('Cookie', cookie));
  expect({ status: response.status, error: response.body?.error }).toEqual({
    status: 200,
    error: undefined,
  });
  const refreshCookie = refreshCookieFrom(response)!;
  return {
    userId: response.body.data.user.id as string,
    username,
    accessToken: response.body.data.accessToken as string,
    cookie: refreshCookie,
    refreshToken: refreshCookie.slice(refreshCookie.indexOf('=') + 1),
    response,
  };
}
