import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/app-error';
import { AuthUser, ClientInfo, Role } from '../common/auth-user';
import { assertFreshLogin, assertOwnerOrAdmin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { User } from '../users/user.model';
import { PublicUserRecord } from '../users/user.schema';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { UsersRepository } from '../users/users.repository';
import { AuthPayload } from './auth-payload.model';
import { ChangePasswordInput } from './change-password.input';
import { PasswordHasher } from './password-hasher.service';
import { RefreshTokenRecord, RevokedReason } from './refresh-token.schema';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionStatusService } from './session-status.service';
import { SessionsRepository } from './sessions.repository';
import { SignInInput } from './sign-in.input';
import { SignUpInput } from './sign-up.input';
import { TokenService } from './token.service';

export interface SignInResult {
  payload: AuthPayload;
  /** The new refresh token, for the cookie. */
  refreshToken: string;
}

export interface RefreshResult {
  payload: AuthPayload;
  /** Absent when a tab lost a refresh race inside the grace window: its cookie already holds the successor. */
  refreshToken?: string;
}

export interface TokenSources {
  bodyToken?: string;
  cookieToken?: string;
}

/** The authentication use cases. Transport-free: the faces read cookies and write them. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionsRepository,
    private readonly sessionStatus: SessionStatusService,
    private readonly securityEvents: SecurityEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async signUp(input: SignUpInput): Promise<User> {
    if (await this.users.existsByUsername(input.username))
      throw new AppError(ErrorCode.USERNAME_TAKEN);
    const passwordHash = await this.passwords.hash(input.password);
    return User.from(await this.users.create(input.username, passwordHash, Role.USER));
  }

  async signIn(input: SignInInput, client: ClientInfo): Promise<SignInResult> {
    const user = await this.users.findByUsername(input.username);
    const matches = await this.passwords.verify(input.password, user?.passwordHash);
    if (user === null || !matches) {
      await this.securityEvents.record({
        type: SecurityEventType.SIGN_IN_FAILED,
        userId: user?._id ?? null,
        client,
      });
      throw new AppError(ErrorCode.INVALID_CREDENTIALS);
    }
    // only after the password check, so a wrong password does not tell that the account is disabled
    if (user.disabled === true) throw new AppError(ErrorCode.ACCOUNT_DISABLED);

    const sessionId = this.tokens.newSessionId();
    const now = new Date();
    const refreshToken = this.newRefreshToken(user._id, sessionId, client, now);
    await this.sessions.create(sessionId, user._id, refreshToken.record._id, now);
    await this.refreshTokens.insert(refreshToken.record);
    await this.securityEvents.record({
      type: SecurityEventType.SIGN_IN,
      userId: user._id,
      sessionId,
      actorId: user._id.toHexString(),
      client,
    });
    return { payload: this.authPayload(user, sessionId, true), refreshToken: refreshToken.token };
  }

  /**
   * Rotates a refresh token. Of concurrent refreshes with one token exactly one rotates it (see
   * `RefreshTokenDocument.nextId`); the others, and any replay of that parent within the grace window while its successor is
   * active, get a new access token for the same session without a new refresh token. Any
   * other replay of a rotated token is theft and ends the session.
   */
  async refresh(token: string | undefined, client: ClientInfo): Promise<RefreshResult> {
    if (token === undefined) throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
    const now = new Date();
    let record = await this.findPresentedToken(token);
    if (record === null || record.expiresAt <= now)
      throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);

    if (record.revokedAt === null) {
      const rotated = await this.rotate(record, client, now);
      if (rotated !== undefined) return rotated;
      record = (await this.refreshTokens.findById(record._id)) ?? record;
    }
    return this.refreshRotatedToken(record, client, now);
  }

  async revokeToken(
    caller: AuthUser,
    sources: TokenSources,
    client: ClientInfo,
  ): Promise<{ cookieRevoked: boolean }> {
    const token = sources.bodyToken ?? sources.cookieToken;
    if (token === undefined) throw new AppError(ErrorCode.TOKEN_REQUIRED);
    const record = await this.findPresentedToken(token);
    if (record === null) throw new AppError(ErrorCode.INVALID_TOKEN);
    assertOwnerOrAdmin(caller, record.userId.toHexString());

    const revoked = await this.refreshTokens.revokeIfActive(
      record._id,
      this.revocation(client, RevokedReason.REVOKED),
    );
    if (!revoked) throw new AppError(ErrorCode.INVALID_TOKEN);
    this.sessionStatus.forget(record.sessionId);
    // the token was active, so it was its session's head: revoking it ended the session
    await this.securityEvents.sessionRevoked(
      record.userId.toHexString(),
      record.sessionId,
      caller,
      client,
    );
    return { cookieRevoked: token === sources.cookieToken };
  }

  /** Ends the caller's current session, whether or not its cookie was sent. */
  async logout(caller: AuthUser, client: ClientInfo): Promise<void> {
    await this.refreshTokens.revokeSession(
      caller.sessionId,
      this.revocation(client, RevokedReason.LOGOUT),
    );
    this.sessionStatus.forget(caller.sessionId);
    await this.securityEvents.record({
      type: SecurityEventType.LOGOUT,
      userId: caller.id,
      sessionId: caller.sessionId,
      actorId: caller.id,
      client,
    });
  }

  /** Needs a fresh password sign-in; ends every other session of the user. */
  async changePassword(
    caller: AuthUser,
    input: ChangePasswordInput,
    client: ClientInfo,
  ): Promise<void> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    const currentHash = await this.users.findPasswordHash(caller.id);
    if (!(await this.passwords.verify(input.currentPassword, currentHash))) {
      throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'The current password is wrong');
    }
    await this.users.updatePasswordHash(caller.id, await this.passwords.hash(input.newPassword));
    const ended = await this.refreshTokens.revokeOtherSessions(
      caller.id,
      caller.sessionId,
      this.revocation(client, RevokedReason.PASSWORD_CHANGED),
    );
    this.sessionStatus.forget(...ended);
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

  private async rotate(
    parent: RefreshTokenRecord,
    client: ClientInfo,
    now: Date,
  ): Promise<RefreshResult | undefined> {
    const user = await this.requireUser(parent.userId);
    const successor = this.newRefreshToken(
      parent.userId,
      parent.sessionId,
      client,
      now,
      parent.nextId,
    );
    if (!(await this.refreshTokens.insertSuccessor(successor.record))) return undefined;

    const marked = await this.refreshTokens.markRotated(parent._id, successor.record._id, {
      ...this.revocation(client, RevokedReason.ROTATED),
      at: now,
    });
    if (!marked) {
      // the session was ended while we rotated: the successor must not outlive it
      await this.refreshTokens.deleteById(successor.record._id);
      throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
    }
    await this.sessions.advanceHead(parent.sessionId, parent._id, successor.record._id);
    return {
      payload: this.authPayload(user, parent.sessionId, false),
      refreshToken: successor.token,
    };
  }

  /** `parent` was rotated, or is being rotated by a concurrent request that won the race. */
  private async refreshRotatedToken(
    parent: RefreshTokenRecord,
    client: ClientInfo,
    now: Date,
  ): Promise<RefreshResult> {
    if (parent.revokedAt !== null && parent.revokedReason !== RevokedReason.ROTATED) {
      throw new AppError(ErrorCode.INVALID_REFRESH_TOKEN);
    }
    const sinceRotationMs =
      parent.revokedAt === null ? 0 : now.getTime() - parent.revokedAt.getTime();
    if (
      sinceRotationMs <= this.config.refresh.reuseGraceSeconds * 1000 &&
      (await this.isActiveToken(parent.nextId, now))
    ) {
      const user = await this.requireUser(parent.userId);
      return { payload: this.authPayload(user, parent.sessionId, false) };
    }

    await this.refreshTokens.revokeSession(
      parent.sessionId,
      this.revocation(client, RevokedReason.REUSE_DETECTED),
    );
    this.sessionStatus.forget(parent.sessionId);
    await this.securityEvents.record({
      type: SecurityEventType.REFRESH_REUSE_DETECTED,
      userId: parent.userId,
      sessionId: parent.sessionId,
      client,
    });
    throw new AppError(ErrorCode.REFRESH_TOKEN_REUSED);
  }

  /** The stored token a client presented: found by the `_id` it carries, checked by its hash. */
  private findPresentedToken(token: string): Promise<RefreshTokenRecord | null> {
    const id = this.tokens.refreshTokenId(token);
    if (id === undefined) return Promise.resolve(null);
    return this.refreshTokens.findByIdAndHash(id, this.tokens.hashRefreshToken(token));
  }

  private async isActiveToken(id: Types.ObjectId, now: Date): Promise<boolean> {
    const token = await this.refreshTokens.findById(id);
    return token !== null && token.revokedAt === null && token.expiresAt > now;
  }

  private async requireUser(id: Types.ObjectId): Promise<PublicUserRecord> {
    const user = await this.users.findById(id.toHexString());
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

  private newRefreshToken(
    userId: Types.ObjectId,
    sessionId: string,
    client: ClientInfo,
    now: Date,
    id = new Types.ObjectId(),
  ) {
    const { token, tokenHash } = this.tokens.generateRefreshToken(id);
    const record = {
      _id: id,
      nextId: new Types.ObjectId(),
      tokenHash,
      userId,
      sessionId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.refresh.ttlSeconds * 1000),
      createdByIp: client.ip,
      userAgent: client.userAgent,
    };
    return { token, record };
  }

  private revocation(client: ClientInfo, reason: RevokedReason) {
    return { at: new Date(), byIp: client.ip, reason };
  }

  // --- Account hooks (issue 9, accounts): called by AccountsService. The sessions module replaces
  // both with its store's endAllForUser / deletion at merge; nothing else here depends on them.

  /**
   * Ends every session of the user at once: revokes all its refresh tokens (so no refresh works and
   * the session check refuses its access tokens: at once on this instance, within
   * SESSION_CHECK_CACHE_SECONDS on the others).
   */
  async endAllSessionsOfUser(
    userId: string,
    reason: RevokedReason,
    client: ClientInfo,
  ): Promise<void> {
    const ended = await this.refreshTokens.revokeAllOfUser(userId, this.revocation(client, reason));
    this.sessionStatus.forget(...ended);
  }

  /** Removes every refresh token and session document of a deleted user (ending them first). */
  async deleteSessionsOfUser(userId: string, client: ClientInfo): Promise<void> {
    await this.endAllSessionsOfUser(userId, RevokedReason.REVOKED, client);
    await this.refreshTokens.deleteAllOfUser(userId);
    await this.sessions.deleteAllOfUser(userId);
  }
}
