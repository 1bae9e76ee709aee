import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode, MfaRequiredError } from '../common/errors/app-error';
import { AuthMethod, AuthUser, ClientInfo, Role } from '../common/auth-user';
import { assertFreshLogin, assertOwnerOrAdmin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AuthOperation } from '../metrics/auth-outcomes';
import { MetricsService } from '../metrics/metrics.service';
import { MfaService } from '../mfa/mfa.service';
import { AccountThrottle } from '../rate-limit/account-throttle.service';
import { EmailVerificationService } from '../recovery/email-verification.service';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { CLEAR_COOKIE, CookieInstruction, KEEP_COOKIE, WithCookie } from '../sessions/auth-cookies';
import { IssuedRefreshToken, SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { TokenService } from '../tokens/token.service';
import { User } from '../users/user.model';
import { UserRecord } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { AuthPayload } from './auth-payload.model';
import { ChangePasswordInput } from './change-password.input';
import { DeviceCookies } from './device-cookies';
import { LogoutScope } from './logout.input';
import { SignInInput } from './sign-in.input';
import { SignUpInput } from './sign-up.input';
import { VerifyMfaInput } from './verify-mfa.input';

export interface TokenSources {
  bodyToken?: string;
  cookieToken?: string;
}

/** Why a refresh token that rotated nothing is refused. */
const REFUSED_REFRESH = {
  invalid: ErrorCode.INVALID_REFRESH_TOKEN,
  expired: ErrorCode.SESSION_EXPIRED,
  reused: ErrorCode.REFRESH_TOKEN_REUSED,
} as const;

function setCookie(token: IssuedRefreshToken): CookieInstruction {
  return { action: 'set', token: token.token, maxAgeSeconds: token.maxAgeSeconds };
}

/** The authentication use cases. Transport-free: each answers its value and what to do with the cookie. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionStore,
    private readonly tokens: TokenService,
    private readonly securityEvents: SecurityEventsService,
    private readonly throttle: AccountThrottle,
    private readonly devices: DeviceCookies,
    private readonly emailVerification: EmailVerificationService,
    private readonly mfa: MfaService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A new user; one that gave an email address gets its verification mail. */
  async signUp(input: SignUpInput): Promise<User> {
    const email = this.emailVerification.addressForSignUp(input.email);
    const user = await this.users.create(input.username, input.password, Role.USER, email);
    await this.emailVerification.welcome(user);
    return user;
  }

  /**
   * Checks the password under the account throttle (the device's own, with a valid device cookie
   * for this username) and opens a session; with a second factor on, answers MFA_REQUIRED instead.
   */
  async signIn(
    input: SignInInput,
    client: ClientInfo,
    deviceCookie?: string,
  ): Promise<WithCookie<AuthPayload>> {
    const deviceId = this.devices.deviceOf(deviceCookie, input.username);
    // the failure is recorded under the user the name belongs to, when there is one
    let named: UserRecord | null = null;
    const user = await this.throttle.check(
      { username: input.username, deviceId },
      client.ip,
      () => this.users.checkPassword(input.username, input.password, (found) => (named = found)),
      // with a second factor, only the completed second step resets the throttle
      { completes: (found) => found.mfaEnabled !== true },
    );
    if (user === null) {
      await this.securityEvents.record({
        type: SecurityEventType.SIGN_IN_FAILED,
        userId: (named as UserRecord | null)?._id ?? null,
        client,
      });
      throw new AppError(ErrorCode.INVALID_CREDENTIALS);
    }
    // only after the password check, so a wrong password does not tell that the account is disabled
    if (user.disabled === true) throw new AppError(ErrorCode.ACCOUNT_DISABLED);
    // REQUIRE_EMAIL_VERIFICATION: EMAIL_NOT_VERIFIED, again only once the password was right
    this.emailVerification.assertMaySignIn(user);
    if (user.mfaEnabled === true) {
      // no session and no cookie yet: the mfaToken stands for this password check
      throw new MfaRequiredError(await this.mfa.startChallenge(user, user.credentialVersion ?? 0));
    }
    return this.counted(
      'signIn',
      await this.startSession(
        { id: user._id, credentialVersion: user.credentialVersion ?? 0 },
        [AuthMethod.PASSWORD],
        client,
        deviceId,
      ),
    );
  }

  /**
   * The second step of a sign-in that answered MFA_REQUIRED: the mfaToken and a code of the second
   * factor, checked under the same throttle as the password; then it answers as a sign-in does.
   * A wrong code leaves the mfaToken usable until it expires or succeeds.
   */
  async verifyMfa(
    input: VerifyMfaInput,
    client: ClientInfo,
    deviceCookie?: string,
  ): Promise<WithCookie<AuthPayload>> {
    const challenge = await this.mfa.findChallenge(input.mfaToken);
    if (challenge === null) throw new AppError(ErrorCode.INVALID_MFA_TOKEN);
    const deviceId = this.devices.deviceOf(deviceCookie, challenge.username);
    await this.mfa.verifyCode(challenge, input.code, client, deviceId);
    if (!(await this.mfa.completeChallenge(challenge)))
      throw new AppError(ErrorCode.INVALID_MFA_TOKEN);
    // an account disabled since the password step is refused by the session's opening
    return this.counted(
      'verifyMfa',
      await this.startSession(
        { id: challenge.userId, credentialVersion: challenge.credentialVersion },
        [AuthMethod.PASSWORD, AuthMethod.MFA],
        client,
        deviceId,
      ),
    );
  }

  /**
   * Rotates a refresh token (exactly once under concurrency). A tab that lost the race, or
   * presents the token again within the grace window, gets an access token and keeps its cookie.
   */
  async refresh(token: string | undefined, client: ClientInfo): Promise<WithCookie<AuthPayload>> {
    if (token === undefined) throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
    const outcome = await this.sessions.rotate(token, client);
    if (outcome.kind !== 'rotated' && outcome.kind !== 'grace')
      throw new AppError(REFUSED_REFRESH[outcome.kind]);
    const access = this.tokens.issueAccessToken(outcome.holder, outcome.session, false);
    return this.counted('refresh', {
      value: { ...access, user: User.ofSelf(outcome.holder) },
      cookie: outcome.kind === 'rotated' ? setCookie(outcome.refreshToken) : KEEP_COOKIE,
    });
  }

  /** Revokes a refresh token of the caller (or any, for an admin); its session ends with it. */
  async revokeToken(
    caller: AuthUser,
    sources: TokenSources,
    client: ClientInfo,
  ): Promise<WithCookie<true>> {
    const presented = sources.bodyToken ?? sources.cookieToken;
    if (presented === undefined) throw new AppError(ErrorCode.TOKEN_REQUIRED);
    const token = await this.sessions.findToken(presented);
    if (token === null) throw new AppError(ErrorCode.INVALID_TOKEN);
    assertOwnerOrAdmin(caller, token.userId);
    if (!(await this.sessions.revokeToken(token, client)))
      throw new AppError(ErrorCode.INVALID_TOKEN);
    await this.securityEvents.sessionRevoked(token.userId, token.sessionId, caller, client);
    return {
      value: true,
      cookie: presented === sources.cookieToken ? CLEAR_COOKIE : KEEP_COOKIE,
    };
  }

  /** Ends the caller's current session, the others, or all of them, whether or not the cookie was sent. */
  async logout(
    caller: AuthUser,
    scope: LogoutScope,
    client: ClientInfo,
  ): Promise<WithCookie<true>> {
    const cookie = await this.endSessionsForLogout(caller, scope, client);
    await this.securityEvents.record(
      {
        type: SecurityEventType.LOGOUT,
        userId: caller.id,
        sessionId: caller.sessionId,
        actorId: caller.id,
        client,
      },
      { scope },
    );
    return { value: true, cookie };
  }

  private async endSessionsForLogout(
    caller: AuthUser,
    scope: LogoutScope,
    client: ClientInfo,
  ): Promise<CookieInstruction> {
    switch (scope) {
      case LogoutScope.CURRENT:
        await this.sessions.end(caller.sessionId, SessionEndReason.LOGOUT, client);
        return CLEAR_COOKIE;
      case LogoutScope.OTHERS:
        await this.sessions.endOthers(caller.id, caller.sessionId, SessionEndReason.LOGOUT, client);
        return KEEP_COOKIE;
      case LogoutScope.ALL:
        await this.sessions.endAllForUser(caller.id, SessionEndReason.LOGOUT, client);
        return CLEAR_COOKIE;
    }
  }

  /**
   * Needs a fresh password sign-in; ends every other session of the user. The credential version
   * moves before the sessions are listed, so a sign-in racing this change either is listed and
   * ended here or sees the new version and ends its own session.
   */
  async changePassword(
    caller: AuthUser,
    input: ChangePasswordInput,
    client: ClientInfo,
  ): Promise<void> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    // a wrong current password counts as a failed sign-in of the caller
    const verified = await this.throttle.check(
      { username: caller.username },
      client.ip,
      async () => ((await this.users.isPasswordOf(caller.id, input.currentPassword)) ? true : null),
    );
    if (verified === null) {
      throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'The current password is wrong');
    }
    await this.users.setPassword(caller.id, input.newPassword);
    const ended = await this.sessions.endOthers(
      caller.id,
      caller.sessionId,
      SessionEndReason.PASSWORD_CHANGED,
      client,
    );
    await this.securityEvents.record(
      {
        type: SecurityEventType.PASSWORD_CHANGED,
        userId: caller.id,
        sessionId: caller.sessionId,
        actorId: caller.id,
        client,
      },
      { endedSessions: ended.length },
    );
  }

  /**
   * Counts an answer of `operation`, by whether it sets a new refresh cookie; its refusals are
   * counted where they are answered (the exception filter), with the rate limit's.
   */
  private counted(
    operation: AuthOperation,
    answer: WithCookie<AuthPayload>,
  ): WithCookie<AuthPayload> {
    this.metrics.succeeded(operation, answer.cookie.action === 'set');
    return answer;
  }

  /**
   * Opens a session for a user who proved who they are by `amr`, records the sign-in and answers
   * like every successful sign-in: the refresh cookie, and the device cookie (the same device when
   * it presented one). A password change that landed meanwhile wins.
   */
  private async startSession(
    user: { id: Types.ObjectId; credentialVersion: number },
    amr: readonly AuthMethod[],
    client: ClientInfo,
    deviceId: string | undefined,
  ): Promise<WithCookie<AuthPayload>> {
    const opened = await this.sessions.open(user, amr, client);
    if (opened.kind === SessionEndReason.USER_DISABLED)
      throw new AppError(ErrorCode.ACCOUNT_DISABLED);
    if (opened.kind !== 'opened') throw new AppError(ErrorCode.INVALID_CREDENTIALS);
    const { session, holder } = opened;
    await this.securityEvents.record({
      type: SecurityEventType.SIGN_IN,
      userId: holder._id,
      sessionId: session.sessionId,
      actorId: holder._id.toHexString(),
      client,
    });
    return {
      value: { ...this.tokens.issueAccessToken(holder, session, true), user: User.ofSelf(holder) },
      cookie: setCookie(session.refreshToken),
      device: this.devices.issue(holder.username, deviceId),
    };
  }
}
