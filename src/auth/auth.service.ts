import { Inject, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { AuthUser, ClientInfo, Role } from '../common/auth-user';
import { assertFreshLogin, assertOwnerOrAdmin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { User } from '../users/user.model';
import { AccountThrottle } from '../rate-limit/account-throttle.service';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { PublicUserRecord, UserRecord } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { AuthPayload } from './auth-payload.model';
import { ChangePasswordInput } from './change-password.input';
import { LogoutScope } from './logout.input';
import { PasswordHasher } from '../users/password-hasher.service';
import {
  CLEAR_COOKIE,
  CookieInstruction,
  KEEP_COOKIE,
  WithCookie,
} from '../sessions/refresh-cookie';
import { IssuedRefreshToken, SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { SignInInput } from './sign-in.input';
import { SignUpInput } from './sign-up.input';
import { TokenService } from '../tokens/token.service';

export interface TokenSources {
  bodyToken?: string;
  cookieToken?: string;
}

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
    private readonly passwords: PasswordHasher,
    private readonly securityEvents: SecurityEventsService,
    private readonly throttle: AccountThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async signUp(input: SignUpInput): Promise<User> {
    if (await this.users.isUsernameTaken(input.username))
      throw new AppError(ErrorCode.USERNAME_TAKEN);
    const passwordHash = await this.passwords.hash(input.password);
    return this.users.create(input.username, passwordHash, Role.USER);
  }

  /** Opens a session. A password change that landed while the password was checked wins. */
  async signIn(input: SignInInput, client: ClientInfo): Promise<WithCookie<AuthPayload>> {
    // the failure is recorded under the user the name belongs to, when there is one
    const named: { user: UserRecord | null } = { user: null };
    const user = await this.throttle.check(input.username, client.ip, async () => {
      named.user = await this.users.findWithCredentials(input.username);
      const matches = await this.passwords.verify(input.password, named.user?.passwordHash);
      return matches ? named.user : null;
    });
    if (user === null) {
      await this.securityEvents.record({
        type: SecurityEventType.SIGN_IN_FAILED,
        userId: named.user?._id ?? null,
        client,
      });
      throw new AppError(ErrorCode.INVALID_CREDENTIALS);
    }
    // only after the password check, so a wrong password does not tell that the account is disabled
    if (user.disabled === true) throw new AppError(ErrorCode.ACCOUNT_DISABLED);
    const credentialVersion = user.credentialVersion ?? 0;
    const session = await this.sessions.open(user._id, credentialVersion, client);
    if ((await this.users.credentialVersionOf(user._id)) !== credentialVersion) {
      await this.sessions.end(session.sessionId, SessionEndReason.PASSWORD_CHANGED, client);
      throw new AppError(ErrorCode.INVALID_CREDENTIALS);
    }
    await this.securityEvents.record({
      type: SecurityEventType.SIGN_IN,
      userId: user._id,
      sessionId: session.sessionId,
      actorId: user._id.toHexString(),
      client,
    });
    return {
      value: this.authPayload(user, session.sessionId, true),
      cookie: setCookie(session.refreshToken),
    };
  }

  /**
   * Rotates a refresh token (exactly once under concurrency). A tab that lost the race, or
   * replays the parent within the grace window, gets an access token and keeps its cookie. Any
   * other replay of a rotated token is theft and ends the session.
   */
  async refresh(token: string | undefined, client: ClientInfo): Promise<WithCookie<AuthPayload>> {
    if (token === undefined) throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
    const outcome = await this.sessions.rotate(token, client);
    switch (outcome.kind) {
      case 'invalid':
        throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
      case 'expired':
        throw new AppError(ErrorCode.SESSION_EXPIRED);
      case 'reused':
        await this.sessions.end(outcome.sessionId, SessionEndReason.REUSE_DETECTED, client);
        await this.securityEvents.record({
          type: SecurityEventType.REFRESH_REUSE_DETECTED,
          userId: outcome.userId,
          sessionId: outcome.sessionId,
          client,
        });
        throw new AppError(ErrorCode.REFRESH_TOKEN_REUSED);
      case 'grace':
        return {
          value: this.authPayload(await this.requireUser(outcome.userId), outcome.sessionId, false),
          cookie: KEEP_COOKIE,
        };
      case 'rotated':
        return {
          value: this.authPayload(await this.requireUser(outcome.userId), outcome.sessionId, false),
          cookie: setCookie(outcome.refreshToken),
        };
    }
  }

  /** Revokes a refresh token of the caller (or any, for an admin); its session ends with it. */
  async revokeToken(
    caller: AuthUser,
    sources: TokenSources,
    client: ClientInfo,
  ): Promise<WithCookie<true>> {
    const token = sources.bodyToken ?? sources.cookieToken;
    if (token === undefined) throw new AppError(ErrorCode.TOKEN_REQUIRED);
    const record = await this.sessions.findSplitToken(token);
    if (record === null) throw new AppError(ErrorCode.INVALID_TOKEN);
    assertOwnerOrAdmin(caller, record.userId.toHexString());
    if (!(await this.sessions.revokeToken(record, client)))
      throw new AppError(ErrorCode.INVALID_TOKEN);
    // the token was active, so it was its session's live token: revoking it ended the session
    await this.securityEvents.sessionRevoked(
      record.userId.toHexString(),
      record.sessionId,
      caller,
      client,
    );
    return { value: true, cookie: token === sources.cookieToken ? CLEAR_COOKIE : KEEP_COOKIE };
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
    const verified = await this.throttle.check(caller.username, client.ip, async () =>
      (await this.passwords.verify(
        input.currentPassword,
        await this.users.passwordHashOf(caller.id),
      ))
        ? true
        : null,
    );
    if (verified === null) {
      throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'The current password is wrong');
    }
    await this.users.setPasswordHash(caller.id, await this.passwords.hash(input.newPassword));
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

  private async requireUser(id: string): Promise<PublicUserRecord> {
    const user = await this.users.findRecord(id);
    // a disabled user's sessions were ended; this also closes a refresh racing the disabling
    if (user === null || user.disabled === true)
      throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
    return user;
  }

  private authPayload(user: PublicUserRecord, sessionId: string, fresh: boolean): AuthPayload {
    const { accessToken, expiresIn } = this.tokens.signAccessToken({
      sub: user._id.toHexString(),
      username: user.username,
      role: user.role,
      sid: sessionId,
      fresh,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn, user: User.from(user) };
  }
}
