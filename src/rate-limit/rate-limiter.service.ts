import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository';

export const WINDOW_MS = 60_000;
const CLEANUP_INTERVAL_MS = 60_000;
const MAX_TRACKED_KEYS = 50_000;

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface KeyState {
  window: number;
  /** The next slot worth trying; every slot below it is known to be taken. */
  nextSlot: number;
  /** Claims for one key run one after another in this instance, so its own burst never collides. */
  queue: Promise<unknown>;
}

/**
 * Fixed one-minute windows with `limit` numbered slots per key, shared by every instance through
 * MongoDB (see RateLimitSlotDocument). Each allowed request claims the next free slot with one
 * insert; a key out of slots is refused without touching the database until its window ends.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private readonly keys = new Map<string, KeyState>();
  private cleanupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly slots: RateLimitRepository) {}

  onModuleInit(): void {
    this.cleanupTimer = setInterval(() => void this.cleanup(), CLEANUP_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.cleanupTimer);
  }

  consume(key: string, limit: number, now = Date.now()): Promise<RateLimitDecision> {
    const window = now - (now % WINDOW_MS);
    const retryAfterSeconds = Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000));
    const state = this.stateOf(key, window);
    if (state.nextSlot > limit) return Promise.resolve({ allowed: false, retryAfterSeconds });

    const decision = state.queue.then(async (): Promise<RateLimitDecision> => {
      const expiresAt = new Date(window + WINDOW_MS);
      if (state.nextSlot === 1) state.nextSlot = await this.firstFreeSlot(key, window, limit);
      for (; state.nextSlot <= limit; state.nextSlot++) {
        if (await this.slots.claim(key, window, state.nextSlot, expiresAt)) {
          state.nextSlot++;
          return { allowed: true };
        }
      }
      return { allowed: false, retryAfterSeconds };
    });
    state.queue = decision.catch(() => undefined);
    return decision;
  }

  private stateOf(key: string, window: number): KeyState {
    const known = this.keys.get(key);
    if (known !== undefined && known.window === window) return known;
    if (this.keys.size >= MAX_TRACKED_KEYS) this.keys.clear();
    const state: KeyState = { window, nextSlot: 1, queue: Promise.resolve() };
    this.keys.set(key, state);
    return state;
  }

  /**
   * Where other instances have got to in this window: doubling probes, then a binary search, so
   * joining a busy window costs about 2·log2(limit) lookups by `_id` instead of one insert per
   * slot already taken.
   */
  private async firstFreeSlot(key: string, window: number, limit: number): Promise<number> {
    let taken = 0;
    let probe = 1;
    while (probe <= limit && (await this.slots.isTaken(key, window, probe))) {
      taken = probe;
      probe *= 2;
    }
    let free = Math.min(probe, limit + 1);
    while (free - taken > 1) {
      const middle = Math.floor((taken + free) / 2);
      if (await this.slots.isTaken(key, window, middle)) taken = middle;
      else free = middle;
    }
    return free;
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    for (const [key, state] of this.keys)
      if (state.window + WINDOW_MS <= now) this.keys.delete(key);
    try {
      await this.slots.deleteExpired(new Date(now));
    } catch (error) {
      this.logger.warn(`Could not delete expired rate-limit slots: ${(error as Error).message}`);
    }
  }
}
