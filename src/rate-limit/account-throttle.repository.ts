import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import {
  deleteWhere,
  findByIds,
  findOneById,
  findPage,
  insertOnce,
  updateById,
} from '../database/driver';
import { expiredBefore, expiringId } from '../database/expiring-id';
import {
  AccountFailureDocument,
  AccountFailureRecord,
  AccountThrottleDocument,
  AccountThrottleExpiryDocument,
  AccountThrottleRecord,
} from './account-throttle.schema';

/** Due expiries the clean-up handles per round trip. */
const EXPIRIES_PER_BATCH = 500;

function failureId(epoch: string, failure: number): string {
  return `${epoch}|${failure}`;
}

/**
 * The only code that touches account_throttles, account_failures and account_throttle_expiries.
 * Records are keyed by what they throttle (a username or a device); every lookup is by `_id`.
 */
@Injectable()
export class AccountThrottleRepository {
  constructor(
    @InjectModel(AccountThrottleDocument.name)
    private readonly throttles: Model<AccountThrottleDocument>,
    @InjectModel(AccountFailureDocument.name)
    private readonly failures: Model<AccountFailureDocument>,
    @InjectModel(AccountThrottleExpiryDocument.name)
    private readonly expiries: Model<AccountThrottleExpiryDocument>,
  ) {}

  find(key: string): Promise<AccountThrottleRecord | null> {
    return findOneById(this.throttles, key, { epoch: 1, failures: 1, lockedUntil: 1 });
  }

  /** The record of `key`, opened with `epoch` unless another attempt opened it first. */
  async open(key: string, epoch: string, expiresAt: Date): Promise<AccountThrottleRecord> {
    const record = { _id: key, epoch, failures: 0, lockedUntil: null };
    if (await insertOnce(this.throttles, { ...record, expiresAt })) return record;
    return (await this.find(key)) ?? this.open(key, epoch, expiresAt);
  }

  /** Claims failure number `failure`; false when another attempt holds it. */
  claim(
    epoch: string,
    failure: number,
    now: Date,
    failedAt: Date | null,
    expiresAt: Date,
  ): Promise<boolean> {
    return insertOnce(this.failures, {
      _id: failureId(epoch, failure),
      epoch,
      claimedAt: now,
      failedAt,
      expiresAt,
    });
  }

  findFailure(epoch: string, failure: number): Promise<AccountFailureRecord | null> {
    return findOneById(this.failures, failureId(epoch, failure), { claimedAt: 1, failedAt: 1 });
  }

  /** Frees failure number `failure` (its attempt succeeded without completing a sign-in). */
  async unclaim(epoch: string, failure: number): Promise<void> {
    await deleteWhere(this.failures, { _id: failureId(epoch, failure) });
  }

  async markFailed(epoch: string, failure: number, failedAt: Date): Promise<void> {
    await updateById(this.failures, failureId(epoch, failure), { $set: { failedAt } });
  }

  /**
   * Raises the record to `failures` and schedules its clean-up. The guard keeps a late writer
   * from lowering it; FerretDB does not apply it atomically, so a lowered summary is possible
   * there, and is corrected by the next attempt, which finds the numbers above it taken (see
   * AccountThrottle).
   */
  async raise(
    key: string,
    epoch: string,
    failures: number,
    lockedUntil: Date | null,
    expiresAt: Date,
  ): Promise<void> {
    await updateById(
      this.throttles,
      key,
      { $set: { failures, lockedUntil, expiresAt } },
      { epoch, failures: { $lt: failures } },
    );
    await insertOnce(this.expiries, { _id: expiringId(expiresAt), key, epoch });
  }

  /** A successful check: the epoch is retired (its failures go with its last expiry). */
  async reset(key: string): Promise<void> {
    await deleteWhere(this.throttles, { _id: key });
  }

  /**
   * Forgets records whose last failure is a day old, and the failures of retired epochs, led by
   * the expiries that fell due: every read and delete is an `_id` range, `_id`s or an indexed
   * equality. A record that failed again since is left to its later expiry.
   */
  async deleteExpired(now: Date): Promise<void> {
    for (;;) {
      const due = await findPage<AccountThrottleExpiryDocument>(this.expiries, {
        filter: { _id: expiredBefore(now) },
        sort: { _id: 1 },
        limit: EXPIRIES_PER_BATCH,
      });
      const records = new Map(
        (
          await findByIds<AccountThrottleDocument>(this.throttles, [
            ...new Set(due.map((expiry) => expiry.key)),
          ])
        ).map((record) => [record._id, record]),
      );
      for (const { key, epoch } of due) {
        const record = records.get(key);
        const current = record !== undefined && record.epoch === epoch;
        if (current && record.expiresAt > now) continue;
        await deleteWhere(this.failures, { epoch });
        if (current) await deleteWhere(this.throttles, { _id: key, expiresAt: { $lte: now } });
      }
      await deleteWhere(this.expiries, { _id: { $in: due.map((expiry) => expiry._id) } });
      if (due.length < EXPIRIES_PER_BATCH) return;
    }
  }
}
