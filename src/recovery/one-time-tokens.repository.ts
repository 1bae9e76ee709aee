import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { deleteWhere, findOneById, insertOnce } from '../database/driver';
import { expiredBefore } from '../database/expiring-id';
import {
  OneTimeTokenDocument,
  OneTimeTokenRecord,
  OneTimeTokenUseDocument,
} from './one-time-token.schema';

/** The only code that touches one_time_tokens and one_time_token_uses. Every lookup is by `_id`. */
@Injectable()
export class OneTimeTokensRepository {
  constructor(
    @InjectModel(OneTimeTokenDocument.name)
    private readonly tokens: Model<OneTimeTokenDocument>,
    @InjectModel(OneTimeTokenUseDocument.name)
    private readonly uses: Model<OneTimeTokenUseDocument>,
  ) {}

  async insert(token: OneTimeTokenRecord): Promise<void> {
    await insertOnce(this.tokens, token);
  }

  find(id: Types.ObjectId): Promise<OneTimeTokenRecord | null> {
    return findOneById(this.tokens, id);
  }

  /** True for the one call that marks the token used, however many race. */
  claimUse(id: Types.ObjectId): Promise<boolean> {
    return insertOnce(this.uses, { _id: id });
  }

  async delete(id: Types.ObjectId): Promise<void> {
    await deleteWhere(this.tokens, { _id: id });
  }

  /** Tokens and use marks past their expiry, by `_id` range (idempotent). */
  async deleteExpired(now: Date): Promise<void> {
    const expired = { _id: expiredBefore(now) };
    await Promise.all([deleteWhere(this.tokens, expired), deleteWhere(this.uses, expired)]);
  }
}
