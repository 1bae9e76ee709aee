import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { RateLimitHitDocument } from './rate-limit-hit.schema';

/** The only code that touches the rate_limit_hits collection. */
@Injectable()
export class RateLimitRepository {
  constructor(
    @InjectModel(RateLimitHitDocument.name) private readonly hits: Model<RateLimitHitDocument>,
  ) {}

  /** Records a hit and returns how many hits the key has in the window, this one included. */
  async hit(key: string, window: number, expiresAt: Date): Promise<number> {
    await this.hits.create({ key, window, expiresAt });
    return this.hits.countDocuments({ key, window }).exec();
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.hits.deleteMany({ expiresAt: trusted({ $lt: now }) }).exec();
  }
}
