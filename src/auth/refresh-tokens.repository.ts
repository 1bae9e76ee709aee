import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import {
  NewRefreshToken,
  RefreshTokenDocument,
  RefreshTokenRecord,
  RevokedReason,
} from './refresh-token.schema';

const LISTING_FIELDS = { tokenHash: 0 } as const;
const DUPLICATE_KEY = 11000;

export interface Revocation {
  at: Date;
  byIp: string;
  reason: RevokedReason;
}

function revocationFields({ at, byIp, reason }: Revocation) {
  return { revokedAt: at, revokedByIp: byIp, revokedReason: reason };
}

/** The only code that touches the refresh_tokens collection. Returns plain objects. */
@Injectable()
export class RefreshTokensRepository {
  constructor(
    @InjectModel(RefreshTokenDocument.name) private readonly tokens: Model<RefreshTokenDocument>,
  ) {}

  async insert(token: NewRefreshToken): Promise<void> {
    await this.tokens.create({
      ...token,
      revokedAt: null,
      revokedByIp: null,
      revokedReason: null,
      replacedBy: null,
    });
  }

  /** Inserts a successor under its pre-drawn `_id`; false when a concurrent rotation already did. */
  async insertSuccessor(token: NewRefreshToken): Promise<boolean> {
    try {
      await this.insert(token);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async deleteById(id: Types.ObjectId): Promise<void> {
    await this.tokens.deleteOne({ _id: id }).exec();
  }

  /** The token stored under `id` if its hash is `tokenHash`: a primary-key lookup on every backend. */
  async findByIdAndHash(id: Types.ObjectId, tokenHash: string): Promise<RefreshTokenRecord | null> {
    const record = await this.tokens.findById(id).lean<RefreshTokenRecord>().exec();
    const matches =
      record !== null &&
      timingSafeEqual(Buffer.from(record.tokenHash, 'hex'), Buffer.from(tokenHash, 'hex'));
    return matches ? record : null;
  }

  findById(id: Types.ObjectId): Promise<RefreshTokenRecord | null> {
    return this.tokens.findById(id, LISTING_FIELDS).lean<RefreshTokenRecord>().exec();
  }

  /** Marks the token rotated, unless it was revoked meanwhile (logout, reuse detected). */
  async markRotated(
    id: Types.ObjectId,
    successor: Types.ObjectId,
    revocation: Revocation,
  ): Promise<boolean> {
    const result = await this.tokens
      .updateOne(
        { _id: id, revokedAt: null },
        { $set: { ...revocationFields(revocation), replacedBy: successor } },
      )
      .exec();
    return result.modifiedCount === 1;
  }

  /** Revokes one token if it is still active; false when it was not. */
  async revokeIfActive(id: Types.ObjectId, revocation: Revocation): Promise<boolean> {
    const result = await this.tokens
      .updateOne(
        { _id: id, revokedAt: null, expiresAt: trusted({ $gt: revocation.at }) },
        { $set: revocationFields(revocation) },
      )
      .exec();
    return result.modifiedCount === 1;
  }

  async revokeSession(sessionId: string, revocation: Revocation): Promise<void> {
    await this.tokens
      .updateMany({ sessionId, revokedAt: null }, { $set: revocationFields(revocation) })
      .exec();
  }

  /** Revokes every token of the user outside `keepSessionId`; returns the sessions it ended. */
  async revokeOtherSessions(
    userId: string,
    keepSessionId: string,
    revocation: Revocation,
  ): Promise<string[]> {
    const filter = {
      userId: new Types.ObjectId(userId),
      revokedAt: null,
      sessionId: trusted({ $ne: keepSessionId }),
    };
    const sessionIds: string[] = await this.tokens.distinct('sessionId', filter).exec();
    if (sessionIds.length > 0)
      await this.tokens.updateMany(filter, { $set: revocationFields(revocation) }).exec();
    return sessionIds;
  }

  listByUser(userId: string): Promise<RefreshTokenRecord[]> {
    return this.tokens
      .find({ userId: new Types.ObjectId(userId) }, LISTING_FIELDS)
      .sort({ createdAt: -1, _id: -1 })
      .lean<RefreshTokenRecord[]>()
      .exec();
  }

  /** For DataLoader: every token of each user in one query. */
  listByUsers(userIds: readonly string[]): Promise<RefreshTokenRecord[]> {
    return this.tokens
      .find(
        { userId: trusted({ $in: userIds.map((id) => new Types.ObjectId(id)) }) },
        LISTING_FIELDS,
      )
      .sort({ createdAt: -1, _id: -1 })
      .lean<RefreshTokenRecord[]>()
      .exec();
  }

  /** Revokes every active token of the user; returns the sessions it ended. */
  async revokeAllOfUser(userId: string, revocation: Revocation): Promise<string[]> {
    const filter = { userId: new Types.ObjectId(userId), revokedAt: null };
    const sessionIds: string[] = await this.tokens.distinct('sessionId', filter).exec();
    if (sessionIds.length > 0)
      await this.tokens.updateMany(filter, { $set: revocationFields(revocation) }).exec();
    return sessionIds;
  }

  async deleteAllOfUser(userId: string): Promise<void> {
    await this.tokens.deleteMany({ userId: new Types.ObjectId(userId) }).exec();
  }
}
