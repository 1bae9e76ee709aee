import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { deleteWhere, findOneById, insertEachOnce } from '../database/driver';
import { expiredBefore } from '../database/expiring-id';
import { RateLimitClaimDocument, RateLimitClaimRecord } from './rate-limit-claim.schema';

/** The only code that touches the rate_limit_claims collection. Every lookup is by `_id`. */
@Injectable()
export class RateLimitClaimsRepository {
  constructor(
    @InjectModel(RateLimitClaimDocument.name)
    private readonly claims: Model<RateLimitClaimDocument>,
  ) {}

  /** Stores each claim or seal unless its slot is taken, in one round trip; true where stored. */
  insertEach(documents: readonly RateLimitClaimRecord[]): Promise<boolean[]> {
    return insertEachOnce(this.claims, documents);
  }

  find(id: Types.ObjectId): Promise<RateLimitClaimRecord | null> {
    return findOneById(this.claims, id);
  }

  async deleteExpired(now: Date): Promise<void> {
    await deleteWhere(this.claims, { _id: expiredBefore(now) });
  }
}
