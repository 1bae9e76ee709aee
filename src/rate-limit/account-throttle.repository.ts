import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { findOneById, insertOnce } from '../database/driver';
import {
  AccountFailureDocument,
  AccountFailureRecord,
  AccountThrottleDocument,
  AccountThrottleRecord,
} from './account-throttle.schema';

function failureId(epoch: string, failure: number): string {
  return `${epoch}|${failure}`;
}

/** The only code that touches account_throttles and account_failures. Every lookup is by `_id`. */
@Injectable()
export class AccountThrottleRepository {
  constructor(
    @InjectModel(AccountThrottleDocument.name)
    private readonly throttles: Model<AccountThrottleDocument>,
    @InjectModel(AccountFailureDocument.name)
    private readonly failures: Model<AccountFailureDocument>,
  ) {}

  find(username: string): Promise<AccountThrottleRecord | null> {
    return findOneById(this.throttles, username, { epoch: 1, failures: 1, lockedUntil: 1 });
  }

  /** The account's record, opened with `epoch` unless another attempt opened it first. */
  async open(username: string, epoch: string, expiresAt: Date): Promise<AccountThrottleRecord> {
    const record = { _id: username, epoch, failures: 0, lockedUntil: null };
    if (await insertOnce(this.throttles, { ...record, expiresAt })) return record;
    return (await this.find(username)) ?? this.open(username, epoch, expiresAt);
  }

  /** Claims failure number `failure`; false when another attempt holds it. */
  async claim(
    epoch: string,
    failure: number,
    now: Date,
    failedAt: Date | null,
    expiresAt: Date,
  ): Promise<boolean> {
    return insertOnce(this.failures, {
      _id: failureId(epoch, failure),
      claimedAt: now,
      failedAt,
      expiresAt,
    });
  }

  findFailure(epoch: string, failure: number): Promise<AccountFailureRecord | null> {
    return findOneById(this.failures, failureId(epoch, failure), { claimedAt: 1, failedAt: 1 });
  }

  async markFailed(epoch: string, failure: number, failedAt: Date): Promise<void> {
    await this.failures
      .updateOne({ _id: failureId(epoch, failure) }, { $set: { failedAt } })
      .exec();
  }

  /**
   * Raises the summary to `failures`. The guard keeps a late writer from lowering it; FerretDB
   * does not apply it atomically, so a lowered summary is possible there, and is corrected by
   * the next attempt, which finds the numbers above it taken (see AccountThrottle).
   */
  async raise(
    username: string,
    epoch: string,
    failures: number,
    lockedUntil: Date | null,
    expiresAt: Date,
  ): Promise<void> {
    await this.throttles
      .updateOne(
        { _id: username, epoch, failures: trusted({ $lt: failures }) },
        { $set: { failures, lockedUntil, expiresAt } },
      )
      .exec();
  }

  /** A successful password check: the epoch and all its failures are retired. */
  async reset(username: string): Promise<void> {
    await this.throttles.deleteOne({ _id: username }).exec();
  }

  async deleteExpired(now: Date): Promise<void> {
    await Promise.all([
      this.throttles.deleteMany({ expiresAt: trusted({ $lt: now }) }).exec(),
      this.failures.deleteMany({ expiresAt: trusted({ $lt: now }) }).exec(),
    ]);
  }
}
