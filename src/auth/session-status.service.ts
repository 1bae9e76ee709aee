import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RevokedReason } from './refresh-token.schema';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionsRepository } from './sessions.repository';

const MAX_CACHED_SESSIONS = 50_000;
/** Rotations the recorded head may lag behind (concurrent rotations record it in any order). */
const MAX_HEAD_LAG = 3;

/**
 * Answers whether a login session is still active: whether the token at the head of its
 * rotation chain is neither revoked nor expired. Logout, reuse detection, a password change and
 * revoking that token all end it, with no session state to keep in step. It trusts its last look for at most
 * SESSION_CHECK_CACHE_SECONDS. Revocations made by this instance take effect at once here;
 * other instances see them when their cached look expires.
 */
@Injectable()
export class SessionStatusService {
  private readonly cache = new Map<string, { active: boolean; checkedAt: number }>();
  private readonly maxAgeMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: RefreshTokensRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxAgeMs = config.sessionCheckCacheSeconds * 1000;
  }

  async isActive(sessionId: string): Promise<boolean> {
    const now = Date.now();
    const cached = this.cache.get(sessionId);
    if (cached !== undefined && now - cached.checkedAt < this.maxAgeMs) return cached.active;
    const active = await this.headIsActive(sessionId, new Date(now));
    if (this.maxAgeMs > 0) this.remember(sessionId, active, now);
    return active;
  }

  private async headIsActive(sessionId: string, now: Date): Promise<boolean> {
    let tokenId = await this.sessions.findHeadTokenId(sessionId);
    for (let step = 0; tokenId !== undefined && step <= MAX_HEAD_LAG; step++) {
      const token = await this.tokens.findById(tokenId);
      if (token === null) return false;
      if (token.revokedAt === null) return token.expiresAt > now;
      if (token.revokedReason !== RevokedReason.ROTATED) return false;
      tokenId = token.nextId;
    }
    return false;
  }

  /** Called after this instance revoked tokens of these sessions. */
  forget(...sessionIds: string[]): void {
    for (const sessionId of sessionIds) this.cache.delete(sessionId);
  }

  private remember(sessionId: string, active: boolean, now: number): void {
    this.cache.delete(sessionId);
    if (this.cache.size >= MAX_CACHED_SESSIONS) {
      // Map keeps insertion order: drop the oldest look
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(sessionId, { active, checkedAt: now });
  }
}
