import { Injectable } from '@nestjs/common';
import { MongoThrottlerStorage } from './mongo-throttler.storage';

/**
 * A cap on how often something may happen per key in any span of a window (say, 3 mails an hour
 * per account), shared by every instance: the rate limits' own storage, with its exact sliding
 * windows (see MongoThrottlerStorage). A key's history alone decides, so two keys with the same
 * history cost the same database work.
 */
@Injectable()
export class SlidingCap {
  constructor(private readonly storage: MongoThrottlerStorage) {}

  /** Counts one more for `key` and answers true, or answers false when the cap is reached. */
  async take(key: string, limit: number, windowMs: number): Promise<boolean> {
    return !(await this.storage.increment(`cap:${key}`, windowMs, limit)).isBlocked;
  }
}
