import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Types } from 'mongoose';
import type { ClientInfo } from '../../common/auth-user';
import { objectIdOf } from '../../common/validation/object-id';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { Cleanup } from '../../database/cleanup';
import { Clock } from '../../database/clock';
import { expiringId } from '../../database/expiring-id';
import { SecurityEventType } from '../../security-events/security-event.schema';
import { SecurityEventsService } from '../../security-events/security-events.service';
import { matchesHash, newSplitToken, selectorOf } from '../../tokens/token.service';
import type { PublicUserRecord } from '../../users/user.schema';
import { UsersService } from '../../users/users.service';
import {
  EndLinkRecord,
  isEndLink,
  LinkRecord,
  RefreshTokenRecord,
  RevokedReason,
  SessionEnd,
} from './refresh-token.schema';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionActivityRecord, SessionEndReason, SessionRecord } from './session.schema';
import { SessionsRepository } from './sessions.repository';

const MAX_CACHED_SESSIONS = 50_000;
/** Open sessions whose activity is read in one query while a listing fills its pages. */
const SESSIONS_PER_CHUNK = 100;
/** Ended sessions the clean-up deletes per round trip. */
const DELETIONS_PER_BATCH = 500;

/** The refresh token a client holds, with the instant its cookie must be dropped. */
export interface IssuedRefreshToken {
  token: string;
  expiresAt: Date;
  /** Whole seconds from issue to expiry: the cookie's Max-Age. */
  maxAgeSeconds: number;
}

/** Whose session it is and how they signed in: what its access tokens claim. */
export interface SessionClaims {
  userId: string;
  sessionId: string;
  amr: readonly string[];
}

export interface OpenedSession extends SessionClaims {
  refreshToken: IssuedRefreshToken;
}

/** Why a session just opened is ended again: what changed since the check that opened it. */
export type OpenRefusal =
  | SessionEndReason.PASSWORD_CHANGED
  | SessionEndReason.USER_DISABLED
  | SessionEndReason.USER_DELETED;

/** What opening a session came to: the session and its holder as now stored, or its refusal. */
export type OpenOutcome =
  { kind: 'opened'; session: OpenedSession; holder: PublicUserRecord } | { kind: OpenRefusal };

/**
 * What presenting a refresh token came to; nothing is left for the caller to do but answer. A
 * session answers with its holder as the user is now: one disabled or deleted meanwhile gets
 * `invalid`.
 */
export type RotationOutcome =
  | {
      kind: 'rotated';
      session: SessionClaims;
      holder: PublicUserRecord;
      refreshToken: IssuedRefreshToken;
    }
  /** The token just rotated, within the grace window: same session, no new token. */
  | { kind: 'grace'; session: SessionClaims; holder: PublicUserRecord }
  /** A rotated token presented again: theft. The session has been ended and the event recorded. */
  | { kind: 'reused' }
  | { kind: 'expired' }
  | { kind: 'invalid' };

/** A refresh token someone presented to revoke, once found and checked. */
export interface PresentedToken {
  id: Types.ObjectId;
  userId: string;
  sessionId: string;
}

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

/** A refresh token as its listings show it, with what became of it. */
export interface ListedRefreshToken {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  createdByIp: string;
  userAgent: string | null;
  revokedAt: Date | null;
  revokedByIp: string | null;
  revokedReason: RevokedReason | null;
  replacedBy: string | null;
}

export interface Page {
  limit: number;
  /** An item id: the page starts after it. */
  after?: string;
}

/** How the newest token of an ended session is listed, in the contract's words. */
const TOKEN_REASON: Record<SessionEndReason, RevokedReason | null> = {
  [SessionEndReason.LOGOUT]: RevokedReason.LOGOUT,
  [SessionEndReason.REVOKED]: RevokedReason.REVOKED,
  [SessionEndReason.REUSE_DETECTED]: RevokedReason.REUSE_DETECTED,
  [SessionEndReason.PASSWORD_CHANGED]: RevokedReason.PASSWORD_CHANGED,
  [SessionEndReason.USER_DISABLED]: RevokedReason.REVOKED,
  [SessionEndReason.USER_DELETED]: RevokedReason.REVOKED,
  [SessionEndReason.EVICTED]: RevokedReason.REVOKED,
  // idle past its expiry: the token expired, nobody revoked it
  [SessionEndReason.EXPIRED]: null,
};

/**
 * Login sessions and their refresh tokens, behind the operations the use cases need: open,
 * rotate, end, revoke a token, check, list, and forget what retention no longer keeps.
 *
 * A session is a chain of links in one collection (see RefreshTokenDocument): its refresh tokens,
 * each following the one it replaced, and at last its end. A unique index lets one link follow
 * each token, so every race (two tabs rotating, a rotation and a logout, two revocations) is
 * decided by which insert wins: FerretDB 1.x applies guarded updates non-atomically, inserts it
 * does not. Links are never changed; a token's fate is the link after it.
 *
 * A refresh token is a split token (selector = the `_id` of its link, verifier checked against the
 * stored hash). It carries its session's claims and absolute expiry, so a refresh reads one link,
 * inserts one while reading its holder, and moves the session's activity: four commands. A
 * sign-in stores the session (with its activity until the first refresh) and its first token.
 */
@Injectable()
export class SessionStore implements OnModuleInit {
  private readonly cache = new Map<string, { session: SessionRecord | null; checkedAt: number }>();
  private readonly cacheMs: number;
  private readonly retentionMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly links: RefreshTokensRepository,
    private readonly users: UsersService,
    private readonly securityEvents: SecurityEventsService,
    private readonly cleanup: Cleanup,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cacheMs = config.sessionCheckCacheSeconds * 1000;
    this.retentionMs = config.sessions.retentionSeconds * 1000;
  }

  onModuleInit(): void {
    this.cleanup.register({ name: 'sessions', run: (now) => this.deleteExpired(now) });
  }

  /**
   * Opens a session after a password check that found `credentialVersion`, and ends the least
   * recently used sessions beyond MAX_SESSIONS_PER_USER. The user is read once the session is
   * stored, so that what changed meanwhile wins: a new password (the check it passed is no longer
   * true), a disabled account or a deleted one each end the session again and refuse it.
   */
  async open(
    user: { id: Types.ObjectId; credentialVersion: number },
    amr: readonly string[],
    client: ClientInfo,
  ): Promise<OpenOutcome> {
    const now = this.clock.now();
    const absoluteExpiresAt = new Date(
      now.getTime() + this.config.sessionMaxLifetimeSeconds * 1000,
    );
    const sessionId = expiringId(new Date(absoluteExpiresAt.getTime() + this.retentionMs));
    const claims = { userId: user.id.toHexString(), sessionId: sessionId.toHexString(), amr };
    const first = this.newToken(claims, absoluteExpiresAt, sessionId, client, now);
    // side by side: an end that finds the session before its first token is stored still
    // follows that token (`opening.tokenId`), so the token is refused once it lands
    await Promise.all([
      this.sessions.insert({
        _id: sessionId,
        userId: user.id,
        createdAt: now,
        absoluteExpiresAt,
        amr: [...amr],
        endedAt: null,
        endedReason: null,
        opening: {
          tokenId: first.record._id,
          expiresAt: first.record.expiresAt,
          ip: client.ip,
          userAgent: client.userAgent,
        },
      }),
      this.links.insert(first.record),
    ]);
    const [holder] = await Promise.all([
      this.users.findWithCredentialVersion(user.id),
      this.evictBeyondCap(user.id, client, now),
    ]);
    if (holder === null)
      return this.refuse(claims.sessionId, SessionEndReason.USER_DELETED, client);
    const refusal = refusalOf(holder, user.credentialVersion);
    if (refusal !== undefined) return this.refuse(claims.sessionId, refusal, client);
    return { kind: 'opened', session: { ...claims, refreshToken: first.issued }, holder };
  }

  /** Ends a session `open` has just stored, for `reason`, and answers it. */
  private async refuse(
    sessionId: string,
    reason: OpenRefusal,
    client: ClientInfo,
  ): Promise<{ kind: OpenRefusal }> {
    await this.end(sessionId, reason, client);
    return { kind: reason };
  }

  /**
   * Presents a refresh token. The newest token of a live session is rotated, exactly once however
   * many requests present it at once; they, and anyone presenting it again within the grace
   * window, get `grace`. Any other rotated token is theft: its session ends here.
   */
  async rotate(presented: string, client: ClientInfo): Promise<RotationOutcome> {
    const now = this.clock.now();
    const token = await this.findPresented(presented);
    if (token === null) return { kind: 'invalid' };
    if (token.absoluteExpiresAt <= now) return { kind: 'expired' };
    if (token.expiresAt <= now) return { kind: 'invalid' };
    const claims: SessionClaims = {
      userId: token.userId.toHexString(),
      sessionId: token.sessionId.toHexString(),
      amr: token.amr,
    };
    const successor = this.newToken(claims, token.absoluteExpiresAt, token._id, client, now);
    // the holder is read beside the insert that decides the race: a loser wasted one read
    const [rotated, holder] = await Promise.all([
      this.links.insert(successor.record),
      this.users.findRecord(claims.userId),
    ]);
    if (holder === null || holder.disabled === true) return { kind: 'invalid' };
    if (rotated) {
      await this.sessions.setActivity(this.activity(successor.record, client, now));
      return { kind: 'rotated', session: claims, holder, refreshToken: successor.issued };
    }
    return this.presentedAgain(token, claims, holder, client, now);
  }

  /** A token that something already followed: the grace window, an ended session, or theft. */
  private async presentedAgain(
    token: RefreshTokenRecord,
    claims: SessionClaims,
    holder: PublicUserRecord,
    client: ClientInfo,
    now: Date,
  ): Promise<RotationOutcome> {
    const next = await this.links.findSuccessor(token._id);
    if (next === null || isEndLink(next)) return { kind: 'invalid' };
    const afterNext = await this.links.findSuccessor(next._id);
    if (afterNext !== null && isEndLink(afterNext)) return { kind: 'invalid' };
    const sinceRotationMs = now.getTime() - next.createdAt.getTime();
    if (
      afterNext === null &&
      sinceRotationMs <= this.config.refresh.reuseGraceSeconds * 1000 &&
      next.expiresAt > now
    ) {
      return { kind: 'grace', session: claims, holder };
    }
    const ended = await this.end(claims.sessionId, SessionEndReason.REUSE_DETECTED, client, now);
    if (ended?.reason !== SessionEndReason.REUSE_DETECTED) return { kind: 'invalid' };
    if (ended.byThisCall) {
      await this.securityEvents.record({
        type: SecurityEventType.REFRESH_REUSE_DETECTED,
        userId: claims.userId,
        sessionId: claims.sessionId,
        client,
      });
    }
    return { kind: 'reused' };
  }

  /**
   * Ends a session: its end link follows its newest token (so no refresh can follow it), then the
   * session is marked ended (so its access tokens are refused: at once on this instance, within
   * SESSION_CHECK_CACHE_SECONDS on the others). Answers the end that holds and whether this call
   * made it; undefined for a session that does not exist.
   */
  async end(
    sessionId: string,
    reason: SessionEndReason,
    client?: ClientInfo,
    now = this.clock.now(),
  ): Promise<(SessionEnd & { byThisCall: boolean }) | undefined> {
    const id = objectIdOf(sessionId);
    const activity = id === undefined ? undefined : await this.activityOf(id);
    if (id === undefined || activity === undefined) return undefined;
    const end = { at: now, reason, byIp: client?.ip ?? 'server' };
    const held = await this.appendEnd(id, activity.tokenId, end, true);
    if (held !== undefined) await this.markEnded(id, held);
    return held;
  }

  /**
   * Ends every session of the user but `keepSessionId`; answers the ids this call ended. Open
   * sessions are listed, then each ended: a sign-in racing this either is listed here or sees
   * what made us end them (a new password, a disabled account) and ends its own session.
   */
  async endOthers(
    userId: string,
    keepSessionId: string,
    reason: SessionEndReason,
    client?: ClientInfo,
  ): Promise<string[]> {
    const now = this.clock.now();
    const open = await this.openSessionIds(new Types.ObjectId(userId), now);
    const ended: string[] = [];
    for (const id of open.filter((sessionId) => sessionId !== keepSessionId)) {
      if ((await this.end(id, reason, client, now))?.byThisCall === true) ended.push(id);
    }
    return ended;
  }

  /** Ends every session of the user at once (logout everywhere, account disabled or deleted). */
  endAllForUser(userId: string, reason: SessionEndReason, client?: ClientInfo): Promise<string[]> {
    return this.endOthers(userId, '', reason, client);
  }

  /** A deleted user: ends its sessions (so cached checks refuse them at once), then removes them and their tokens. */
  async deleteAllForUser(userId: string, client?: ClientInfo): Promise<void> {
    await this.endAllForUser(userId, SessionEndReason.USER_DELETED, client);
    const ids = await this.sessions.idsOfUser(new Types.ObjectId(userId));
    await this.links.deleteOfSessions(ids);
    await this.sessions.deleteByIds(ids);
  }

  /** The refresh token a client presented, if it is one of ours and still stored. */
  async findToken(presented: string): Promise<PresentedToken | null> {
    const token = await this.findPresented(presented);
    return token === null
      ? null
      : {
          id: token._id,
          userId: token.userId.toHexString(),
          sessionId: token.sessionId.toHexString(),
        };
  }

  /**
   * Revokes a refresh token if it is its session's newest and not expired, which ends the session.
   * False when it was not active (rotated, revoked, expired), or another revocation won the race.
   */
  async revokeToken(token: PresentedToken, client: ClientInfo): Promise<boolean> {
    const now = this.clock.now();
    const stored = await this.links.findById(token.id);
    if (stored === null || isEndLink(stored) || stored.expiresAt <= now) return false;
    const end = { at: now, reason: SessionEndReason.REVOKED, byIp: client.ip };
    const held = await this.appendEnd(stored.sessionId, stored._id, end, false);
    if (held?.byThisCall !== true) return false;
    await this.markEnded(stored.sessionId, held);
    return true;
  }

  /**
   * Whether an access token of `userId` with this `sid` may be used: the session is the user's,
   * not ended and not past its absolute lifetime. Trusts its last look for at most
   * SESSION_CHECK_CACHE_SECONDS; ends made by this instance take effect here at once.
   */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    let cached = this.cache.get(sessionId);
    if (cached === undefined || now - cached.checkedAt >= this.cacheMs) {
      const id = objectIdOf(sessionId);
      cached = {
        session: id === undefined ? null : await this.sessions.findById(id),
        checkedAt: now,
      };
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
    const id = objectIdOf(sessionId);
    const session = id === undefined ? null : await this.sessions.findById(id);
    if (session === null || session.userId.toHexString() !== userId) return undefined;
    const [active] = await this.withActivity([session], this.clock.now());
    return active;
  }

  /** A user's active sessions, newest sign-in first: `page.limit` of them after `page.after`. */
  async listActiveForUser(userId: string, page: Page): Promise<ActiveSession[]> {
    return (await this.listActiveForUsers([userId], page))[0];
  }

  /**
   * Each user's active sessions, as {@link listActiveForUser}, from one read. Open sessions are
   * read newest first and joined with their activity a chunk at a time, since an open session may
   * have gone idle; reading stops once every user's page is full.
   */
  async listActiveForUsers(userIds: readonly string[], page: Page): Promise<ActiveSession[][]> {
    const pages = new Map<string, ActiveSession[]>(userIds.map((id) => [id, []]));
    let open = pages.size;
    await this.scanOpenSessions(
      userIds.map((id) => new Types.ObjectId(id)),
      page.after,
      this.clock.now(),
      (session) => {
        const userPage = pages.get(session.userId);
        if (userPage === undefined || userPage.length === page.limit) return open > 0;
        userPage.push(session);
        if (userPage.length === page.limit) open -= 1;
        return open > 0;
      },
    );
    return userIds.map((id) => pages.get(id) ?? []);
  }

  /** A user's refresh tokens, newest first, with what became of each. */
  async listTokensOfUser(userId: string, page: Page): Promise<ListedRefreshToken[]> {
    const tokens = await this.links.pageOfUser(new Types.ObjectId(userId), tokenPage(page));
    return this.withFate(tokens);
  }

  /** For the `User.refreshTokens` loader: the same page of each user's tokens, in two reads. */
  async listTokensOfUsers(userIds: readonly string[], page: Page): Promise<ListedRefreshToken[][]> {
    const pages = await this.links.pagesOfUsers(
      userIds.map((id) => new Types.ObjectId(id)),
      tokenPage(page),
    );
    const listed = await this.withFate([...pages.values()].flat());
    const byId = new Map(listed.map((token) => [token.id, token]));
    return userIds.map((id) =>
      (pages.get(id) ?? []).map((token) => byId.get(token._id.toHexString())!),
    );
  }

  /**
   * Forgets what retention no longer keeps: sessions ended SESSION_RETENTION ago with all their
   * links and activity, tokens past their own expiry, and sessions past their absolute lifetime
   * plus retention. Every step is an `_id` range or an equality on an index. Idempotent.
   */
  async deleteExpired(now: Date): Promise<void> {
    for (;;) {
      const due = await this.links.findDueEnds(now, DELETIONS_PER_BATCH);
      const sessionIds = due.map((end) => end.sessionId);
      await this.links.deleteOfSessions(sessionIds);
      await this.sessions.deleteByIds(sessionIds);
      if (due.length < DELETIONS_PER_BATCH) break;
    }
    await this.links.deleteExpiredTokens(now);
    await this.sessions.deleteExpired(now);
  }

  /**
   * Puts `end` after the link `from`, following the chain past rotations when `follow` (an end
   * must win over a refresh under way). Answers the end that holds, or undefined when `from` was
   * followed by a token and `follow` is off.
   */
  private async appendEnd(
    sessionId: Types.ObjectId,
    from: Types.ObjectId,
    end: SessionEnd,
    follow: boolean,
  ): Promise<(SessionEnd & { byThisCall: boolean }) | undefined> {
    const dueAt = new Date(end.at.getTime() + this.retentionMs);
    for (let parent = from; ;) {
      const link: EndLinkRecord = { _id: expiringId(dueAt), parent, sessionId, end };
      if (await this.links.insert(link)) return { ...end, byThisCall: true };
      const next: LinkRecord | null = await this.links.findSuccessor(parent);
      // null: the clean-up removed the session while we looked
      if (next === null) return undefined;
      if (isEndLink(next)) return { ...next.end, byThisCall: false };
      if (!follow) return undefined;
      parent = next._id;
    }
  }

  private async markEnded(sessionId: Types.ObjectId, end: SessionEnd): Promise<void> {
    await this.sessions.markEnded(sessionId, end.reason, end.at);
    this.cache.delete(sessionId.toHexString());
  }

  /**
   * Keeps the user at MAX_SESSIONS_PER_USER active sessions: the least recently used beyond it
   * end as evicted. Each sign-in lists after its own insert, so of two racing sign-ins at least
   * one sees both, and together they end exactly the surplus. Under the cap only the sessions are
   * read; over it, their activity too, and those found idle past their expiry are marked ended (so
   * that retention counts from then) instead of counting against the cap.
   */
  private async evictBeyondCap(userId: Types.ObjectId, client: ClientInfo, now: Date) {
    const cap = this.config.sessions.maxPerUser;
    const aliveAfter = expiringId(new Date(now.getTime() + this.retentionMs));
    // one command, no cursor, for the usual case: at most the cap
    if ((await this.sessions.countOpen(userId, aliveAfter, now, cap + 1)) <= cap) return;
    const open = await this.openSessionsOf(userId, now);
    const active: ActiveSession[] = [];
    const activities = await this.activitiesOf(open);
    for (const session of open) {
      const activity = activities.get(session._id.toHexString());
      if (activity === undefined) continue;
      if (activity.expiresAt > now) active.push(activeSession(session, activity));
      else
        await this.end(
          session._id.toHexString(),
          SessionEndReason.EXPIRED,
          client,
          activity.expiresAt,
        );
    }
    const surplus = active
      .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime())
      .slice(this.config.sessions.maxPerUser);
    for (const session of surplus) {
      const ended = await this.end(session.id, SessionEndReason.EVICTED, client, now);
      if (ended?.byThisCall === true) {
        await this.securityEvents.record({
          type: SecurityEventType.SESSION_EVICTED,
          userId: session.userId,
          sessionId: session.id,
          client,
        });
      }
    }
  }

  /**
   * Visits the users' active sessions newest first (after the session `after`), joined with their
   * activity a chunk at a time, until `visit` answers false; those idle past their expiry are
   * skipped.
   */
  private async scanOpenSessions(
    userIds: readonly Types.ObjectId[],
    after: string | undefined,
    now: Date,
    visit: (session: ActiveSession) => boolean,
  ): Promise<void> {
    const before = after === undefined ? undefined : objectIdOf(after);
    const cursor = this.sessions.openCursor(
      userIds,
      { aliveAfter: expiringId(new Date(now.getTime() + this.retentionMs)), before },
      now,
    );
    let chunk: SessionRecord[] = [];
    let more = true;
    const take = async (): Promise<void> => {
      const activities = await this.activitiesOf(chunk);
      for (const session of chunk) {
        const activity = activities.get(session._id.toHexString());
        if (activity === undefined || activity.expiresAt <= now) continue;
        if (more) more = visit(activeSession(session, activity));
      }
      chunk = [];
    };
    try {
      for await (const session of cursor) {
        chunk.push(session);
        if (chunk.length === SESSIONS_PER_CHUNK) {
          await take();
          if (!more) break;
        }
      }
      if (more && chunk.length > 0) await take();
    } finally {
      await cursor.close();
    }
  }

  private async openSessionIds(userId: Types.ObjectId, now: Date): Promise<string[]> {
    return (await this.openSessionsOf(userId, now)).map((session) => session._id.toHexString());
  }

  /** The user's sessions not marked ended and not past their absolute lifetime. */
  private async openSessionsOf(userId: Types.ObjectId, now: Date): Promise<SessionRecord[]> {
    const sessions: SessionRecord[] = [];
    const cursor = this.sessions.openCursor(
      [userId],
      { aliveAfter: expiringId(new Date(now.getTime() + this.retentionMs)) },
      now,
    );
    try {
      for await (const session of cursor) sessions.push(session);
    } finally {
      await cursor.close();
    }
    return sessions;
  }

  /** Joins each session with its last use, dropping ended ones and those idle past their expiry. */
  private async withActivity(sessions: SessionRecord[], now: Date): Promise<ActiveSession[]> {
    const activities = await this.activitiesOf(sessions);
    return sessions.flatMap((session) => {
      const activity = activities.get(session._id.toHexString());
      const live =
        activity !== undefined &&
        session.endedAt === null &&
        session.absoluteExpiresAt > now &&
        activity.expiresAt > now;
      return live ? [activeSession(session, activity)] : [];
    });
  }

  /** Each session's last use: as its refreshes stored it, or as its sign-in left it. */
  private async activitiesOf(
    sessions: readonly SessionRecord[],
  ): Promise<Map<string, SessionActivityRecord>> {
    const stored = await this.sessions.findActivities(sessions.map((session) => session._id));
    const activities = new Map(stored.map((activity) => [activity._id.toHexString(), activity]));
    for (const session of sessions) {
      const id = session._id.toHexString();
      const opening = openingActivity(session);
      if (!activities.has(id) && opening !== undefined) activities.set(id, opening);
    }
    return activities;
  }

  /** One session's last use, as {@link activitiesOf}; undefined for a session not stored. */
  private async activityOf(id: Types.ObjectId): Promise<SessionActivityRecord | undefined> {
    const stored = await this.sessions.findActivity(id);
    if (stored !== null) return stored;
    const session = await this.sessions.findById(id);
    return session === null ? undefined : openingActivity(session);
  }

  /** Each token with what the link after it says became of it. */
  private async withFate(tokens: readonly RefreshTokenRecord[]): Promise<ListedRefreshToken[]> {
    const successors = await this.links.findSuccessors(tokens.map((token) => token._id));
    return tokens.map((token) => listed(token, successors.get(token._id.toHexString())));
  }

  /** The stored token a client presented: found by its selector, checked by its verifier. */
  private async findPresented(presented: string): Promise<RefreshTokenRecord | null> {
    const selector = selectorOf(presented);
    const link = selector === undefined ? null : await this.links.findById(selector);
    if (link === null || isEndLink(link) || !matchesHash(presented, link.tokenHash)) return null;
    return link;
  }

  /** A new token of the session; it expires after REFRESH_TOKEN_TTL, never past `absoluteExpiresAt`. */
  private newToken(
    claims: SessionClaims,
    absoluteExpiresAt: Date,
    parent: Types.ObjectId,
    client: ClientInfo,
    now: Date,
  ): { issued: IssuedRefreshToken; record: RefreshTokenRecord } {
    const maxAgeSeconds = Math.max(
      0,
      Math.min(
        this.config.refresh.ttlSeconds,
        Math.floor((absoluteExpiresAt.getTime() - now.getTime()) / 1000),
      ),
    );
    const expiresAt = new Date(now.getTime() + maxAgeSeconds * 1000);
    const id = expiringId(expiresAt);
    const { token, hash } = newSplitToken(id);
    return {
      issued: { token, expiresAt, maxAgeSeconds },
      record: {
        _id: id,
        parent,
        sessionId: new Types.ObjectId(claims.sessionId),
        userId: new Types.ObjectId(claims.userId),
        tokenHash: hash,
        createdAt: now,
        expiresAt,
        absoluteExpiresAt,
        amr: [...claims.amr],
        createdByIp: client.ip,
        userAgent: client.userAgent,
      },
    };
  }

  /** What a refresh that issued `token` leaves as its session's activity. */
  private activity(
    token: RefreshTokenRecord,
    client: ClientInfo,
    now: Date,
  ): SessionActivityRecord {
    return {
      _id: token.sessionId,
      tokenId: token._id,
      lastUsedAt: now,
      expiresAt: token.expiresAt,
      ip: client.ip,
      userAgent: client.userAgent,
    };
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

function tokenPage(page: Page): { limit: number; after?: Types.ObjectId } {
  return {
    limit: page.limit,
    after: page.after === undefined ? undefined : objectIdOf(page.after),
  };
}

/** A session's activity before its first refresh; undefined for sessions stored without it. */
function openingActivity({
  _id,
  createdAt,
  opening,
}: SessionRecord): SessionActivityRecord | undefined {
  return opening === undefined ? undefined : { _id, lastUsedAt: createdAt, ...opening };
}

function activeSession(session: SessionRecord, activity: SessionActivityRecord): ActiveSession {
  return {
    id: session._id.toHexString(),
    userId: session.userId.toHexString(),
    createdAt: session.createdAt,
    lastUsedAt: activity.lastUsedAt,
    expiresAt: activity.expiresAt,
    absoluteExpiresAt: session.absoluteExpiresAt,
    ip: activity.ip,
    userAgent: activity.userAgent,
  };
}

function listed(token: RefreshTokenRecord, next: LinkRecord | undefined): ListedRefreshToken {
  const fate = fateOf(next);
  return {
    id: token._id.toHexString(),
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    createdByIp: token.createdByIp,
    userAgent: token.userAgent,
    ...fate,
  };
}

function fateOf(
  next: LinkRecord | undefined,
): Pick<ListedRefreshToken, 'revokedAt' | 'revokedByIp' | 'revokedReason' | 'replacedBy'> {
  if (next !== undefined && !isEndLink(next)) {
    return {
      revokedAt: next.createdAt,
      revokedByIp: next.createdByIp,
      revokedReason: RevokedReason.ROTATED,
      replacedBy: next._id.toHexString(),
    };
  }
  const reason = next === undefined ? null : TOKEN_REASON[next.end.reason];
  if (next === undefined || reason === null)
    return { revokedAt: null, revokedByIp: null, revokedReason: null, replacedBy: null };
  return {
    revokedAt: next.end.at,
    revokedByIp: next.end.byIp,
    revokedReason: reason,
    replacedBy: null,
  };
}

/** Why a session just opened for a check under `credentialVersion` must end again, if it must. */
function refusalOf(
  holder: PublicUserRecord & { credentialVersion: number },
  credentialVersion: number,
): OpenRefusal | undefined {
  if (holder.credentialVersion !== credentialVersion) return SessionEndReason.PASSWORD_CHANGED;
  if (holder.disabled === true) return SessionEndReason.USER_DISABLED;
  return undefined;
}
