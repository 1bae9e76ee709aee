import { randomBytes } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { RateLimitedError, RateLimitLayer } from '../common/errors/app-error';
import { normalizeUsername } from '../common/validation/credential-rules';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Cleanup } from '../database/cleanup';
import { SecurityLog } from '../logging/security-log';
import { AccountThrottleRepository } from './account-throttle.repository';
import { AccountThrottleRecord } from './account-throttle.schema';

const MAX_LOCK_SECONDS = 900;
/** Consecutive failures are forgotten a day after the last one. */
const MEMORY_MS = 24 * 3600_000;
/** A claimed attempt not marked failed by then died with its instance, and counts as failed. */
const ABANDONED_ATTEMPT_MS = 60_000;

export interface CheckOptions<T> {
  /**
   * Whether a success completes the sign-in, and so resets the failures (every success, unless
   * said otherwise). The right password of an account with a second factor does not: only the
   * completed second step does. Such a success counts neither way.
   */
  completes?: (result: T) => boolean;
}

/** Whose attempt it is: a username, or the known device (device cookie) of that username. */
export interface ThrottleSubject {
  username: string;
  /** The device id of a valid device cookie for `username` (DeviceCookies.deviceOf). */
  deviceId?: string;
}

interface Attempt {
  /** The record's `_id`: `user:<normalized name>` or `device:<device id>`. */
  key: string;
  layer: RateLimitLayer;
  /** The account's record when the attempt began; null when it had no failures. */
  record: AccountThrottleRecord | null;
  /** The failure number this attempt claimed before its check (only once throttled). */
  claimed?: number;
}

/**
 * The account throttle: after `threshold` consecutive failed password checks of one username,
 * known or not, from any IPs, it is refused for `baseSeconds`, doubling with each further failure
 * up to 15 minutes; a successful check resets it. The refusal comes before the password is
 * looked at, so a throttled account answers the right password and a wrong one alike, and an
 * unknown name takes the same path and the same round trips as a real one.
 *
 * Every failure claims its own number (see AccountFailureDocument), so concurrent failures are all
 * counted on FerretDB too. Once throttled, the one attempt let through after a lock claims its
 * number before the check, so a burst waiting for the lock to end gets exactly one guess.
 *
 * A known device (a valid device cookie for the username) is judged by its own record instead, with
 * the same threshold and backoff: strangers filling the username's record cannot lock its owner
 * out, and the device's failures leave the username's record as it was.
 */
@Injectable()
export class AccountThrottle implements OnModuleInit {
  constructor(
    private readonly store: AccountThrottleRepository,
    private readonly securityLog: SecurityLog,
    private readonly cleanup: Cleanup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      name: 'account throttles',
      run: (now) => this.store.deleteExpired(now),
    });
  }

  /**
   * Runs one password (or second-factor) check of `subject` under the throttle: refused with 429
   * while it is throttled; otherwise `check` runs, and its result (null for a failure) is counted.
   * A check that throws (an mfaToken found over, a lost database) answers no verdict on the
   * password or code: it counts neither way, and gives back the one guess a lock lets through.
   */
  async check<T>(
    subject: ThrottleSubject,
    ip: string,
    check: () => Promise<T | null>,
    { completes = () => true }: CheckOptions<T> = {},
  ): Promise<T | null> {
    if (this.threshold === 0) return check();
    const attempt = await this.begin(subject, ip);
    const result = await check().catch(async (error: unknown) => {
      await this.giveBack(attempt);
      throw error;
    });
    if (result === null) await this.failed(attempt);
    else if (!completes(result)) await this.giveBack(attempt);
    else if (attempt.record !== null) await this.store.reset(attempt.key);
    return result;
  }

  /** Forgets the failures of `username` (a password reset): its owner starts afresh. */
  async clear(username: string): Promise<void> {
    if (this.threshold === 0) return;
    await this.store.reset(keyOf({ username }));
  }

  private get threshold(): number {
    return this.config.accountLockout.threshold;
  }

  private async begin(subject: ThrottleSubject, ip: string): Promise<Attempt> {
    const key = keyOf(subject);
    const layer: RateLimitLayer = subject.deviceId === undefined ? 'account' : 'device';
    const record = await this.store.find(key);
    if (record === null || record.failures < this.threshold) return { key, layer, record };

    const now = Date.now();
    this.refuseUntil(record.lockedUntil, now, ip, layer);
    // The summary may lag behind the failures (FerretDB), so a taken number is looked at.
    for (let failure = record.failures + 1; ; failure++) {
      if (await this.store.claim(record.epoch, failure, new Date(now), null, this.expiry(now))) {
        return { key, layer, record, claimed: failure };
      }
      const taken = await this.store.findFailure(record.epoch, failure);
      if (taken === null) continue;
      const failedAt =
        taken.failedAt ??
        (now - taken.claimedAt.getTime() > ABANDONED_ATTEMPT_MS ? taken.claimedAt : null);
      // another attempt holds this lock's one guess
      if (failedAt === null) this.refuse(1, ip, layer);
      this.refuseUntil(this.lockedUntil(failure, failedAt), now, ip, layer);
    }
  }

  private async failed(attempt: Attempt): Promise<void> {
    const now = Date.now();
    const failedAt = new Date(now);
    const record =
      attempt.record ??
      (await this.store.open(attempt.key, randomBytes(12).toString('hex'), this.expiry(now)));
    let failure = attempt.claimed;
    if (failure !== undefined) {
      await this.store.markFailed(record.epoch, failure, failedAt);
    } else {
      failure = record.failures + 1;
      while (!(await this.store.claim(record.epoch, failure, failedAt, failedAt, this.expiry(now))))
        failure++;
    }
    await this.store.raise(
      attempt.key,
      record.epoch,
      failure,
      this.lockedUntil(failure, failedAt),
      this.expiry(now),
    );
  }

  /**
   * A success that does not complete the sign-in: the failure number it claimed before its check
   * (the one guess after a lock) is freed for the step that completes it.
   */
  private async giveBack(attempt: Attempt): Promise<void> {
    if (attempt.claimed !== undefined && attempt.record !== null)
      await this.store.unclaim(attempt.record.epoch, attempt.claimed);
  }

  /** Failure number `failure` locks the account from `failedAt` for base·2^(failure−threshold). */
  private lockedUntil(failure: number, failedAt: Date): Date | null {
    if (failure < this.threshold) return null;
    const seconds = Math.min(
      MAX_LOCK_SECONDS,
      this.config.accountLockout.baseSeconds * 2 ** Math.min(failure - this.threshold, 16),
    );
    return new Date(failedAt.getTime() + seconds * 1000);
  }

  private refuseUntil(
    lockedUntil: Date | null,
    now: number,
    ip: string,
    layer: RateLimitLayer,
  ): void {
    if (lockedUntil === null || lockedUntil.getTime() <= now) return;
    this.refuse(Math.ceil((lockedUntil.getTime() - now) / 1000), ip, layer);
  }

  private refuse(retryAfterSeconds: number, ip: string, layer: RateLimitLayer): never {
    this.securityLog.accountThrottled(ip, Math.max(1, retryAfterSeconds));
    throw new RateLimitedError(layer, Math.max(1, retryAfterSeconds));
  }

  private expiry(now: number): Date {
    return new Date(now + MEMORY_MS);
  }
}

/** Usernames and device ids never share a record, whatever a client types as a username. */
function keyOf({ username, deviceId }: ThrottleSubject): string {
  return deviceId === undefined ? `user:${normalizeUsername(username)}` : `device:${deviceId}`;
}
