import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import type { ClientInfo } from '../../common/auth-user';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { NewRefreshToken, RefreshTokenRecord, RevokedReason } from './refresh-token.schema';
import { RefreshTokensRepository, Revocation } from './refresh-tokens.repository';
import { SessionActivityRecord, SessionEndReason, SessionRecord } from './session.schema';
import { SessionsRepository } from './sessions.repository';
import { TokenService } from '../../tokens/token.service';

const MAX_CACHED_SESSIONS = 50_000;
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

/** The refresh token a client holds, with the instant its cookie must be dropped. */
export interface IssuedRefreshToken {
  token: string;
  expiresAt: Date;
  /** Whole seconds from issue to expiry: the cookie's Max-Age. */
  maxAgeSeconds: number;
}

export interface OpenedSession {
  sessionId: string;
  refreshToken: IssuedRefreshToken;
}

/** What presenting a refresh token came to. */
export type RotationOutcome =
  | { kind: 'rotated'; userId: string; sessionId: string; refreshToken: IssuedRefreshToken }
  /** The parent of the live token within the grace window: same session, no new token. */
  | { kind: 'grace'; userId: string; sessionId: string }
  /** A rotated token replayed outside the grace window: theft. The session is still to be ended. */
  | { kind: 'reused'; userId: string; sessionId: string }
  | { kind: 'expired' }
  | { kind: 'invalid' };

/** A session as its listings show it: the record and its last use. */
export interface ActiveSession {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  ip: string;
  userAgent: string | null;
}

export interface SessionPage {
  limit?: number;
  /** A session id: only sessions opened before it. */
  after?: string;
}

/** Open sessions whose activity is read in one query while a listing fills its pages. */
const SESSIONS_PER_CHUNK = 100;

/** How the live refresh token of an ended session is marked, in the contract's words. */
const TOKEN_REASON: Record<SessionEndReason, RevokedReason> = {
  [SessionEndReason.LOGOUT]: RevokedReason.LOGOUT,
  [SessionEndReason.REVOKED]: RevokedReason.REVOKED,
  [SessionEndReason.REUSE_DETECTED]: RevokedReason.REUSE_DETECTED,
  [SessionEndReason.PASSWORD_CHANGED]: RevokedReason.PASSWORD_CHANGED,
  [SessionEndReason.USER_DISABLED]: RevokedReason.REVOKED,
  [SessionEndReason.USER_DELETED]: RevokedReason.REVOKED,
  [SessionEndReason.EXPIRED]: RevokedReason.REVOKED,
};

function sessionObjectId(sessionId: string): Types.ObjectId | undefined {
  return OBJECT_ID_HEX.test(sessionId) ? new Types.ObjectId(sessionId) : undefined;
}

/**
 * Login sessions and their refresh tokens, behind the operations the use cases need: open,
 * rotate, end, end the others, end all, isActive and the listings.
 *
 * A refresh token is a split token: a selector (the `_id` of its document, so it is found by
 * primary key) and a verifier (256 random bits, stored only as a SHA-256 hash and compared in
 * constant time); see {@link TokenService.generateRefreshToken}.
 *
 * Two things here exist because FerretDB 1.x applies guarded updates non-atomically and rewrites
 * whole documents:
 * - Rotation is decided by inserting the successor under the `_id` its parent drew in advance
 *   (`nextId`): of concurrent rotations exactly one insert succeeds.
 * - A refresh never writes the session record (it writes `session_activity`), so nothing can put
 *   back a session that an end marked ended. An end marks the session first and then revokes the
 *   live token it finds in the activity; a rotation writes the activity first and then reads the
 *   session again. One of the two sees the other, so a successor never outlives an end.
 */
@Injectable()
export class SessionStore {
  private readonly cache = new Map<string, { session: SessionRecord | null; checkedAt: number }>();
  private readonly cacheMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cacheMs = config.sessionCheckCacheSeconds * 1000;
  }

  async open(
    userId: Types.ObjectId,
    credentialVersion: number,
    client: ClientInfo,
    now = new Date(),
  ): Promise<OpenedSession> {
    const id = new Types.ObjectId();
    const absoluteExpiresAt = new Date(
      now.getTime() + this.config.sessionMaxLifetimeSeconds * 1000,
    );
    const token = this.newRefreshToken(userId, id.toHexString(), absoluteExpiresAt, client, now);
    await this.sessions.insert(
      {
        _id: id,
        userId,
        createdAt: now,
        absoluteExpiresAt,
        credentialVersion,
        endedAt: null,
        endedReason: null,
      },
      this.activity(id, token.record, client, now),
    );
    await this.refreshTokens.insert(token.record);
    return { sessionId: id.toHexString(), refreshToken: token.issued };
  }

  /**
   * Presents a refresh token. The live token of an open session is rotated, exactly once however
   * many requests present it at once; the others, and its parent within the grace window, get
   * `grace`. Any other rotated token is `reused`.
   */
  async rotate(presented: string, client: ClientInfo, now = new Date()): Promise<RotationOutcome> {
    let token = await this.findSplitToken(presented);
    const session = token === null ? null : await this.findSession(token.sessionId);
    if (token === null || session === null || !session.userId.equals(token.userId))
      return { kind: 'invalid' };
    if (session.endedAt !== null) return { kind: 'invalid' };
    if (session.absoluteExpiresAt <= now) return { kind: 'expired' };
    if (token.expiresAt <= now) return { kind: 'invalid' };
    const ids = { userId: token.userId.toHexString(), sessionId: token.sessionId };

    if (token.revokedAt === null) {
      const rotated = await this.rotateLive(token, session, client, now);
      if (rotated !== undefined) return rotated;
      token = (await this.refreshTokens.findById(token._id)) ?? token;
    }
    if (token.revokedAt !== null && token.revokedReason !== RevokedReason.ROTATED)
      return { kind: 'invalid' };
    const sinceRotationMs =
      token.revokedAt === null ? 0 : now.getTime() - token.revokedAt.getTime();
    if (
      sinceRotationMs <= this.config.refresh.reuseGraceSeconds * 1000 &&
      (await this.isLiveToken(token.nextId, now))
    ) {
      return { kind: 'grace', ...ids };
    }
    return { kind: 'reused', ...ids };
  }

  /** undefined: a concurrent request rotated it first. */
  private async rotateLive(
    parent: RefreshTokenRecord,
    session: SessionRecord,
    client: ClientInfo,
    now: Date,
  ): Promise<RotationOutcome | undefined> {
    const successor = this.newRefreshToken(
      parent.userId,
      parent.sessionId,
      session.absoluteExpiresAt,
      client,
      now,
      parent.nextId,
    );
    if (!(await this.refreshTokens.insertSuccessor(successor.record))) return undefined;
    const marked = await this.refreshTokens.markRotated(parent._id, successor.record._id, {
      at: now,
      byIp: client.ip,
      reason: RevokedReason.ROTATED,
    });
    await this.sessions.setActivity(this.activity(session._id, successor.record, client, now));
    const current = marked ? await this.sessions.findById(session._id) : null;
    if (current === null || current.endedAt !== null) {
      // revoked or ended while we rotated: the successor must not outlive it
      const reason = current?.endedReason ?? SessionEndReason.REVOKED;
      await this.refreshTokens.revokeUnlessRevoked(
        successor.record._id,
        this.revocation(TOKEN_REASON[reason], client.ip, now),
      );
      return { kind: 'invalid' };
    }
    return {
      kind: 'rotated',
      userId: parent.userId.toHexString(),
      sessionId: parent.sessionId,
      refreshToken: successor.issued,
    };
  }

  /**
   * Ends a session: marks it ended, then revokes its live refresh token. Its access tokens are
   * refused at once on this instance, within SESSION_CHECK_CACHE_SECONDS on the others.
   */
  async end(
    sessionId: string,
    reason: SessionEndReason,
    client?: ClientInfo,
    now = new Date(),
  ): Promise<void> {
    const id = sessionObjectId(sessionId);
    if (id === undefined) return;
    await this.sessions.markEnded(id, reason, now);
    this.cache.delete(sessionId);
    const activity = await this.sessions.findActivity(id);
    if (activity !== null) {
      await this.refreshTokens.revokeUnlessRevoked(
        activity.tokenId,
        this.revocation(TOKEN_REASON[reason], client?.ip ?? 'server', now),
      );
    }
  }

  /** Ends every session of the user but `keepSessionId`; answers the ids it ended. */
  async endOthers(
    userId: string,
    keepSessionId: string,
    reason: SessionEndReason,
    client?: ClientInfo,
  ): Promise<string[]> {
    const now = new Date();
    const ended = (
      await this.sessions.listOpen([new Types.ObjectId(userId)], this.openRange(now), now)
    )
      .map((session) => session._id.toHexString())
      .filter((id) => id !== keepSessionId);
    for (const id of ended) await this.end(id, reason, client, now);
    return ended;
  }

  /** Ends every session of the user at once (logout everywhere, account disabled or deleted). */
  endAllForUser(userId: string, reason: SessionEndReason, client?: ClientInfo): Promise<string[]> {
    return this.endOthers(userId, '', reason, client);
  }

  /** A deleted user: ends its sessions (so cached checks refuse them at once), then removes them and its tokens. */
  async deleteAllForUser(userId: string, client?: ClientInfo): Promise<void> {
    await this.endAllForUser(userId, SessionEndReason.USER_DELETED, client);
    await this.refreshTokens.deleteAllOfUser(userId);
    await this.sessions.deleteAllOfUser(userId);
  }

  /**
   * Whether an access token of `userId` with this `sid` may be used: the session is the user's,
   * not ended and not past its absolute lifetime. Trusts its last look for at most
   * SESSION_CHECK_CACHE_SECONDS; ends made by this instance take effect here at once.
   */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const now = Date.now();
    let cached = this.cache.get(sessionId);
    if (cached === undefined || now - cached.checkedAt >= this.cacheMs) {
      cached = { session: await this.findSession(sessionId), checkedAt: now };
      if (this.cacheMs > 0) this.remember(sessionId, cached);
    }
    const { session } = cached;
    return (
      session !== null &&
      session.userId.toHexString() === userId &&
      session.endedAt === null &&
      session.absoluteExpiresAt.getTime() > now
    );
  }

  /** The session if it is one of the user's active sessions. */
  async findActive(userId: string, sessionId: string): Promise<ActiveSession | undefined> {
    const session = await this.findSession(sessionId);
    if (session === null || session.userId.toHexString() !== userId) return undefined;
    const [active] = await this.withActivity([session], new Date());
    return active;
  }

  /** A user's active sessions, newest first: `page.limit` of them (all without one) after `page.after`. */
  async listActiveForUser(userId: string, page: SessionPage = {}): Promise<ActiveSession[]> {
    return (await this.listActiveForUsers([userId], page))[0];
  }

  /**
   * Each user's active sessions, newest first, as {@link listActiveForUser}, from one read. Open
   * sessions are read newest first and joined with their activity a chunk at a time, since an open
   * session may have gone idle; reading stops once every user's page is full. So a page is never
   * short while active sessions remain, and nothing is loaded past the pages.
   */
  async listActiveForUsers(
    userIds: readonly string[],
    page: SessionPage = {},
  ): Promise<ActiveSession[][]> {
    const now = new Date();
    const limit = page.limit ?? Number.POSITIVE_INFINITY;
    const pages = new Map<string, ActiveSession[]>(userIds.map((id) => [id, []]));
    const before = page.after === undefined ? undefined : sessionObjectId(page.after);
    const cursor = this.sessions.openCursor(
      [...pages.keys()].map((id) => new Types.ObjectId(id)),
      { ...this.openRange(now), before },
      now,
    );
    let open = pages.size;
    let chunk: SessionRecord[] = [];
    const take = async (): Promise<void> => {
      for (const session of await this.withActivity(chunk, now)) {
        const userPage = pages.get(session.userId);
        if (userPage === undefined || userPage.length === limit) continue;
        userPage.push(session);
        if (userPage.length === limit) open -= 1;
      }
      chunk = [];
    };
    try {
      for await (const session of cursor) {
        chunk.push(session);
        if (chunk.length === SESSIONS_PER_CHUNK) {
          await take();
          if (open === 0) break;
        }
      }
      if (open > 0 && chunk.length > 0) await take();
    } finally {
      await cursor.close();
    }
    return userIds.map((id) => pages.get(id) ?? []);
  }

  /** The stored refresh token a client presented: found by its selector, checked by its verifier. */
  findSplitToken(presented: string): Promise<RefreshTokenRecord | null> {
    const selector = this.tokens.refreshTokenId(presented);
    if (selector === undefined) return Promise.resolve(null);
    return this.refreshTokens.findByIdAndHash(selector, this.tokens.hashRefreshToken(presented));
  }

  /**
   * Revokes one refresh token if it is active. The active token of a session is its live one, so
   * revoking it ends the session. False when it was not active.
   */
  async revokeToken(token: RefreshTokenRecord, client: ClientInfo): Promise<boolean> {
    const now = new Date();
    const revoked = await this.refreshTokens.revokeIfActive(
      token._id,
      this.revocation(RevokedReason.REVOKED, client.ip, now),
    );
    if (revoked) await this.end(token.sessionId, SessionEndReason.REVOKED, client, now);
    return revoked;
  }

  private findSession(sessionId: string): Promise<SessionRecord | null> {
    const id = sessionObjectId(sessionId);
    return id === undefined ? Promise.resolve(null) : this.sessions.findById(id);
  }

  /** No session opened longer ago than the absolute lifetime can be open. */
  private openRange(now: Date) {
    return { since: new Date(now.getTime() - this.config.sessionMaxLifetimeSeconds * 1000) };
  }

  /** Joins each session with its last use, dropping those idle past their expiry. */
  private async withActivity(sessions: SessionRecord[], now: Date): Promise<ActiveSession[]> {
    const activities = new Map(
      (await this.sessions.findActivities(sessions.map((session) => session._id))).map(
        (activity) => [activity._id.toHexString(), activity],
      ),
    );
    const active: ActiveSession[] = [];
    for (const session of sessions) {
      const id = session._id.toHexString();
      const activity = activities.get(id);
      if (
        activity === undefined ||
        session.endedAt !== null ||
        session.absoluteExpiresAt <= now ||
        activity.expiresAt <= now
      )
        continue;
      active.push({
        id,
        userId: session.userId.toHexString(),
        createdAt: session.createdAt,
        lastUsedAt: activity.lastUsedAt,
        expiresAt: activity.expiresAt,
        absoluteExpiresAt: session.absoluteExpiresAt,
        ip: activity.ip,
        userAgent: activity.userAgent,
      });
    }
    return active;
  }

  private async isLiveToken(id: Types.ObjectId, now: Date): Promise<boolean> {
    const token = await this.refreshTokens.findById(id);
    return token !== null && token.revokedAt === null && token.expiresAt > now;
  }

  /** A new split token of the session; it expires after REFRESH_TOKEN_TTL, never past `absoluteExpiresAt`. */
  private newRefreshToken(
    userId: Types.ObjectId,
    sessionId: string,
    absoluteExpiresAt: Date,
    client: ClientInfo,
    now: Date,
    id = new Types.ObjectId(),
  ): { issued: IssuedRefreshToken; record: NewRefreshToken } {
    const { token, tokenHash } = this.tokens.generateRefreshToken(id);
    const maxAgeSeconds = Math.min(
      this.config.refresh.ttlSeconds,
      Math.floor((absoluteExpiresAt.getTime() - now.getTime()) / 1000),
    );
    const expiresAt = new Date(now.getTime() + maxAgeSeconds * 1000);
    return {
      issued: { token, expiresAt, maxAgeSeconds },
      record: {
        _id: id,
        nextId: new Types.ObjectId(),
        tokenHash,
        userId,
        sessionId,
        createdAt: now,
        expiresAt,
        createdByIp: client.ip,
        userAgent: client.userAgent,
      },
    };
  }

  private activity(
    sessionId: Types.ObjectId,
    token: NewRefreshToken,
    client: ClientInfo,
    now: Date,
  ): SessionActivityRecord {
    return {
      _id: sessionId,
      tokenId: token._id,
      lastUsedAt: now,
      expiresAt: token.expiresAt,
      ip: client.ip,
      userAgent: client.userAgent,
    };
  }

  private revocation(reason: RevokedReason, byIp: string, at: Date): Revocation {
    return { at, byIp, reason };
  }

  private remember(
    sessionId: string,
    entry: { session: SessionRecord | null; checkedAt: number },
  ): void {
    this.cache.delete(sessionId);
    if (this.cache.size >= MAX_CACHED_SESSIONS) {
      // Map keeps insertion order: drop the oldest look
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(sessionId, entry);
  }
}
