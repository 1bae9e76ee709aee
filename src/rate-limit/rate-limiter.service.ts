import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository';

export const WINDOW_MS = 60_000;
const CLEANUP_INTERVAL_MS = 60_000;
const MAX_LOCAL_BLOCKS = 50_000;

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed one-minute windows counted in MongoDB, so every instance behind a load balancer
 * enforces the same limit. A key found over its limit is also refused locally for the rest of
 * the window, so a flood costs this instance no further writes.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly blockedUntil = new Map<string, number>();
  private cleanupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly hits: RateLimitRepository) {}

  onModuleInit(): void {
    this.cleanupTimer = setInterval(() => void this.cleanup(), CLEANUP_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.cleanupTimer);
  }

  async consume(key: string, limit: number, now = Date.now()): Promise<RateLimitDecision> {
    const window = now - (now % WINDOW_MS);
    const windowEnd = window + WINDOW_MS;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowEnd - now) / 1000));

    if ((this.blockedUntil.get(key) ?? 0) > now) return { allowed: false, retryAfterSeconds };
    const count = await this.hits.hit(key, window, new Date(windowEnd));
    if (count <= limit) return { allowed: true };

    if (this.blockedUntil.size >= MAX_LOCAL_BLOCKS) this.blockedUntil.clear();
    this.blockedUntil.set(key, windowEnd);
    return { allowed: false, retryAfterSeconds };
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    for (const [key, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(key);
    try {
      await this.hits.deleteExpired(new Date(now));
    } catch (error) {
      this.logger.warn(`Could not delete expired rate-limit hits: ${(error as Error).message}`);
    }
  }
}
