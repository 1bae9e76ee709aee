import { Injectable, OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Types } from 'mongoose';
import { Cleanup } from '../database/cleanup';
import { expiringId } from '../database/expiring-id';
import { RateLimitClaimRecord } from './rate-limit-claim.schema';
import { RateLimitClaimsRepository } from './rate-limit-claims.repository';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A window's slots serve the next window's checks, and one window more for clocks that disagree. */
const KEPT_WINDOWS = 3;
const MAX_TRACKED_KEYS = 50_000;

/** What this instance knows of one window of a key. */
class WindowView {
  /** Slots 1..taken are known to be taken. */
  taken = 0;
  /** The times (ms) of the claims this instance made or read, by slot. */
  readonly times: (number | undefined)[] = [];
  /** The slot of the seal, once known: the slots before it are the window's final claims. */
  sealedAt: number | undefined;

  constructor(readonly index: number) {}

  get claims(): number {
    return this.sealedAt === undefined ? this.taken : this.sealedAt - 1;
  }
}

interface KeyState {
  ttl: number;
  previous: WindowView;
  current: WindowView;
  /** One key's requests are decided one after another here, so an instance never races itself. */
  queue: Promise<unknown>;
}

interface PendingInsert {
  document: RateLimitClaimRecord;
  resolve: (stored: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * The rate limits' storage, shared by every instance through the database: a sliding window, so
 * no key gets more than `limit` requests in any span of `ttl`, whatever the window edges.
 *
 * The requests of a key are numbered window by window (window w = ⌊time / ttl⌋): slot s of w is
 * claimed by inserting a document under an id made of (key, w, s), so no two requests on any
 * instance take one number, on FerretDB too (no `$inc`, no guarded update). A request tries
 * slot s only once it knows slot s − 1 is taken, so a window's taken slots are always 1..m, and
 * it records a time no earlier than slot s − 1's, so times grow with the numbers.
 *
 * The rule: request number n is allowed only if number n − limit was made at least `ttl` before
 * it; that one is slot s − limit of this window, or slot c + s − limit of the previous window
 * (c: its claims), or older and so long enough ago. Why it is exact: were limit + 1 allowed
 * requests within one span of `ttl`, the one with the highest number n has `limit` others in the
 * span with lower numbers, so one of them has a number ≤ n − limit; as times grow with numbers,
 * number n − limit was then made within the span too, less than `ttl` before n, and n would have
 * been refused.
 *
 * That needs the previous window's final count c, while a slow request may still be claiming a
 * slot there. So the first request of a key in a window seals the previous window, with a seal
 * inserted at its first free slot in the same round trip as its own claim; a request that meets a
 * seal moves on to the next window. When the seal finds claims this instance did not know of, the
 * rule is checked again with the final count; a claim already made then stays, and only makes
 * later requests of the key wait longer. (Exact as far as the instances' clocks agree.)
 *
 * What it costs: the slots an instance claimed or read are remembered, so a request usually costs
 * one insert (the claims of several requests in flight travel together), and a key that is spent
 * is refused without the database. Slots another instance took are found by doubling probes and a
 * binary search by `_id`. Each claim's id carries its expiry, and the clean-up deletes it once the
 * next window is over. `blockDuration` is not used: a key is refused exactly until the window
 * lets it in again.
 */
@Injectable()
export class MongoThrottlerStorage implements ThrottlerStorage, OnModuleInit {
  private readonly keys = new Map<string, KeyState>();
  private pending: PendingInsert[] = [];

  constructor(
    private readonly claims: RateLimitClaimsRepository,
    private readonly cleanup: Cleanup,
  ) {}

  /** Registered whatever the limits: SlidingCap counts here too. */
  onModuleInit(): void {
    this.cleanup.register({ name: 'rate-limit claims', run: (now) => this.deleteExpired(now) });
  }

  /** The clock every decision reads; tests move it. */
  now(): number {
    return Date.now();
  }

  /** Decides one request of `key`; `totalHits` of an allowed one is its number in its window. */
  increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const state = this.stateOf(key, ttl);
    const decision = state.queue.then(() => this.decide(key, limit, state));
    state.queue = decision.catch(() => undefined);
    return decision;
  }

  private async decide(
    key: string,
    limit: number,
    state: KeyState,
  ): Promise<ThrottlerStorageRecord> {
    const { ttl } = state;
    for (;;) {
      const clock = this.now();
      const { current, previous } = advance(state, clock);
      const slot = current.taken + 1;
      const at = Math.max(clock, current.index * ttl, current.times[current.taken] ?? 0);
      const older = await this.olderClaim(key, state, slot, limit);
      if (older !== undefined && older > at - ttl) return refused(older + ttl - at, limit);

      const [claimed] = await Promise.all([
        this.insert({ _id: this.slotId(key, ttl, current.index, slot), at: new Date(at) }),
        previous.sealedAt === undefined && this.seal(key, ttl, previous),
      ]);
      if (!claimed) {
        await this.locateHead(key, ttl, current, slot);
        continue;
      }
      current.taken = slot;
      current.times[slot] = at;
      // the same answer as above, unless the seal found claims this instance did not know of
      const olderFinal = await this.olderClaim(key, state, slot, limit);
      if (olderFinal !== undefined && olderFinal > at - ttl)
        return refused(olderFinal + ttl - at, limit);
      return {
        totalHits: slot,
        timeToExpire: seconds((current.index + 1) * ttl - at),
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    }
  }

  /** The time of the request `limit` numbers before slot `slot` of the current window, if recent. */
  private async olderClaim(
    key: string,
    state: KeyState,
    slot: number,
    limit: number,
  ): Promise<number | undefined> {
    if (slot > limit) return this.timeOf(key, state.ttl, state.current, slot - limit);
    const previousSlot = state.previous.claims + slot - limit;
    if (previousSlot <= 0) return undefined;
    return this.timeOf(key, state.ttl, state.previous, previousSlot);
  }

  private async timeOf(
    key: string,
    ttl: number,
    view: WindowView,
    slot: number,
  ): Promise<number | undefined> {
    const known = view.times[slot];
    if (known !== undefined) return known;
    // gone only if the clean-up deleted it, long after it stopped counting
    return (await this.read(key, ttl, view, slot))?.at?.getTime();
  }

  /** Closes the window of `view` at its first free slot, unless another request closed it first. */
  private async seal(key: string, ttl: number, view: WindowView): Promise<void> {
    while (view.sealedAt === undefined) {
      const slot = view.taken + 1;
      if (await this.insert({ _id: this.slotId(key, ttl, view.index, slot), sealed: true })) {
        view.taken = slot;
        view.sealedAt = slot;
      } else {
        await this.locateHead(key, ttl, view, slot);
      }
    }
  }

  /**
   * After slot `taken` turned out taken: finds the window's first free slot by doubling probes and
   * a binary search, about 2·log2 of the slots skipped in reads by `_id`, and reads the slot
   * before it (a claim to follow, or the seal).
   */
  private async locateHead(
    key: string,
    ttl: number,
    view: WindowView,
    taken: number,
  ): Promise<void> {
    const isTaken = async (slot: number) => (await this.read(key, ttl, view, slot)) !== null;
    let low = taken;
    let high = taken + 1;
    for (let step = 2; await isTaken(high); step *= 2) {
      low = high;
      high = taken + step;
    }
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await isTaken(middle)) low = middle;
      else high = middle;
    }
    view.taken = low;
    if (view.times[low] === undefined && view.sealedAt !== low)
      await this.read(key, ttl, view, low);
  }

  /** Reads one slot, and remembers what it holds. */
  private async read(
    key: string,
    ttl: number,
    view: WindowView,
    slot: number,
  ): Promise<RateLimitClaimRecord | null> {
    const document = await this.claims.find(this.slotId(key, ttl, view.index, slot));
    if (document === null) return null;
    view.taken = Math.max(view.taken, slot);
    if (document.sealed === true) view.sealedAt = slot;
    else if (document.at !== undefined) view.times[slot] = document.at.getTime();
    return document;
  }

  private slotId(key: string, ttl: number, window: number, slot: number): Types.ObjectId {
    return expiringId(new Date((window + KEPT_WINDOWS) * ttl), `${key}|${window}|${slot}`);
  }

  /**
   * Inserts with whatever else is waiting to be inserted, in one round trip: the claims of one
   * request (and of others arriving meanwhile) travel together.
   */
  private insert(document: RateLimitClaimRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ document, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const stored = await this.claims.insertEach(batch.map(({ document }) => document));
      batch.forEach(({ resolve }, index) => resolve(stored[index]));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }

  private stateOf(key: string, ttl: number): KeyState {
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    if (this.keys.size >= MAX_TRACKED_KEYS) this.keys.clear();
    const index = Math.floor(this.now() / ttl);
    const state: KeyState = {
      ttl,
      previous: new WindowView(index - 1),
      current: new WindowView(index),
      queue: Promise.resolve(),
    };
    this.keys.set(key, state);
    return state;
  }

  private async deleteExpired(now: Date): Promise<void> {
    for (const [key, { ttl, current }] of this.keys) {
      if ((current.index + 2) * ttl <= now.getTime()) this.keys.delete(key);
    }
    await this.claims.deleteExpired(now);
  }
}

/**
 * Moves the key's views to the window a request at `clock` falls in: never back (a clock may
 * step back), and past a window another instance has sealed already.
 */
function advance(state: KeyState, clock: number): KeyState {
  let index = Math.max(Math.floor(clock / state.ttl), state.current.index);
  if (index === state.current.index && state.current.sealedAt !== undefined) index += 1;
  if (index !== state.current.index) {
    state.previous = state.current.index === index - 1 ? state.current : new WindowView(index - 1);
    state.current = new WindowView(index);
  }
  return state;
}

function refused(waitMs: number, limit: number): ThrottlerStorageRecord {
  const wait = seconds(waitMs);
  return { totalHits: limit + 1, timeToExpire: wait, isBlocked: true, timeToBlockExpire: wait };
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
