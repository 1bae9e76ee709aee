import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { deleteWhere, insertOnce } from '../database/driver';
import { LockDocument } from './admins-lock.schema';

const LOCK_ID = 'user-roles';
/** Longer than any change made under the lock (a count and two writes). */
const LEASE_MS = 30_000;
/** How long a request waits for the lock before answering 503. */
const WAIT_MS = 10_000;

/**
 * Serializes every change of a user's role, disabled flag or existence, so "the last active admin
 * stays" is decided by one writer at a time, across instances: two admins demoting each other at
 * once are checked one after the other, and the second sees the first's write. Used by
 * UsersRepository only.
 */
@Injectable()
export class AdminsLock {
  constructor(@InjectModel(LockDocument.name) private readonly locks: Model<LockDocument>) {}

  async run<T>(critical: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const deadline = Date.now() + WAIT_MS;
    for (let attempt = 0; !(await this.tryAcquire(owner)); attempt += 1) {
      if (Date.now() > deadline) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE);
      await this.clearIfExpired();
      await delay(Math.min(100, 5 * 2 ** attempt) * (0.5 + Math.random()));
    }
    try {
      return await critical();
    } finally {
      await deleteWhere(this.locks, { _id: LOCK_ID, owner });
    }
  }

  private async tryAcquire(owner: string): Promise<boolean> {
    return insertOnce(this.locks, {
      _id: LOCK_ID,
      owner,
      expiresAt: new Date(Date.now() + LEASE_MS),
    });
  }

  /** Only after a holder died mid-change (see the known limits in docs/security.md). */
  private async clearIfExpired(): Promise<void> {
    await deleteWhere(this.locks, { _id: LOCK_ID, expiresAt: { $lt: new Date() } });
  }
}
