import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository';

export const WINDOW_MS = 60_000;
const CLEANUP_INTERVAL_MS = 60_000;
const MAX_TRACKED_KEYS = 50_000;

export type RateLimitDecision =
  | { allowed: true }
  | {
      allowed: false;
      retryAfterSeconds: number;
      /** The key whose limit was spent. */
      refusedKey: string;
    };

/** One budget a request counts against: `limit` requests per minute for `key`. */
export interface RateLimit {
  key: string;
  limit: number;
}

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
    return this.consumeAll([{ key, limit }], now);
  }

  /**
   * Counts one request against every limit; refused when any of them is spent. The usual case,
   * each key's next slot free, costs one insert of all the slots together.
   */
  consumeAll(limits: readonly RateLimit[], now = Date.now()): Promise<RateLimitDecision> {
    const window = now - (now % WINDOW_MS);
    const retryAfterSeconds = Math.max(1, Math.ceil((window + WINDOW_MS - now) / 1000));
    const states = limits.map(({ key, limit }) => ({
      key,
      limit,
      state: this.stateOf(key, window),
    }));
    const spent = states.find(({ limit, state }) => state.nextSlot > limit);
    if (spent !== undefined) {
      return Promise.resolve({ allowed: false, retryAfterSeconds, refusedKey: spent.key });
    }

    const expiresAt = new Date(window + WINDOW_MS);
    const decision = Promise.all(states.map(({ state }) => state.queue)).then(
      async (): Promise<RateLimitDecision> => {
        const open = states.filter(({ limit, state }) => state.nextSlot <= limit);
        const claimed = await this.slots.claimMany(
          open.map(({ key, state }) => ({ key, window, slot: state.nextSlot })),
          expiresAt,
        );
        let refusedKey: string | undefined = states.find(
          ({ limit, state }) => state.nextSlot > limit,
        )?.key;
        for (const [index, { key, limit, state }] of open.entries()) {
          if (claimed[index]) state.nextSlot++;
          else if (!(await this.claimNextFree(key, limit, window, state, expiresAt)))
            refusedKey ??= key;
        }
        return refusedKey === undefined
          ? { allowed: true }
          : { allowed: false, retryAfterSeconds, refusedKey };
      },
    );
    for (const { state } of states) state.queue = decision.catch(() => undefined);
    return decision;
  }

  /** After the hoped-for slot was taken by another instance: finds and claims the next free one. */
  private async claimNextFree(
    key: string,
    limit: number,
    window: number,
    state: KeyState,
    expiresAt: Date,
  ): Promise<boolean> {
    state.nextSlot =
      state.nextSlot === 1 ? await this.firstFreeSlot(key, window, limit) : state.nextSlot + 1;
    for (; state.nextSlot <= limit; state.nextSlot++) {
      if (await this.slots.claim(key, window, state.nextSlot, expiresAt)) {
        state.nextSlot++;
        return true;
      }
    }
    return false;
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
