import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { objectIdOf } from '../../common/parse-object-id.pipe';
import { findOneById, findPage } from '../../database/driver';
import {
  NewRefreshToken,
  RefreshTokenDocument,
  RefreshTokenRecord,
  RevokedReason,
} from './refresh-token.schema';

const LISTING_FIELDS = { tokenHash: 0 } as const;
/** `createdAt`, then `_id`: a successor's id is drawn before it is created. */
const NEWEST_FIRST = { createdAt: -1, _id: -1 } as const;
const DUPLICATE_KEY = 11000;

export interface Revocation {
  at: Date;
  byIp: string;
  reason: RevokedReason;
}

function revocationFields({ at, byIp, reason }: Revocation) {
  return { revokedAt: at, revokedByIp: byIp, revokedReason: reason };
}

export interface TokenPage {
  limit: number;
  after?: string;
}

/** Tokens listed after `token` in newest-first order. */
function olderFilter(token: Pick<RefreshTokenRecord, '_id' | 'createdAt'>) {
  return {
    $or: [
      { createdAt: trusted({ $lt: token.createdAt }) },
      { createdAt: token.createdAt, _id: trusted({ $lt: token._id }) },
    ],
  };
}

/** The only code that touches the refresh_tokens collection. Returns plain objects. */
@Injectable()
export class RefreshTokensRepository {
  constructor(
    @InjectModel(RefreshTokenDocument.name) private readonly tokens: Model<RefreshTokenDocument>,
  ) {}

  /**
   * Every field is set here, typed, so the document goes to the driver as it is. Through
   * `Model.create` mongoose built, validated and serialized a full document first: 400 µs of CPU,
   * a tenth of a refresh, on the one write every refresh makes.
   */
  async insert(token: NewRefreshToken): Promise<void> {
    const document: RefreshTokenRecord = {
      ...token,
      revokedAt: null,
      revokedByIp: null,
      revokedReason: null,
      replacedBy: null,
    };
    await this.tokens.collection.insertOne(document);
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

  /** The token stored under `id` if its hash is `tokenHash`: a primary-key lookup on every backend. */
  async findByIdAndHash(id: Types.ObjectId, tokenHash: string): Promise<RefreshTokenRecord | null> {
    const record = await findOneById<RefreshTokenRecord>(this.tokens, id);
    const matches =
      record !== null &&
      timingSafeEqual(Buffer.from(record.tokenHash, 'hex'), Buffer.from(tokenHash, 'hex'));
    return matches ? record : null;
  }

  findById(id: Types.ObjectId): Promise<RefreshTokenRecord | null> {
    return findOneById(this.tokens, id, LISTING_FIELDS);
  }

  /**
   * Marks the token rotated, unless it was revoked meanwhile (logout, reuse detected). This and the
   * other single-token updates go to the driver as they are: the schema has nothing to add to them
   * (no timestamps), and mongoose's update building was CPU on every refresh.
   */
  async markRotated(
    id: Types.ObjectId,
    successor: Types.ObjectId,
    revocation: Revocation,
  ): Promise<boolean> {
    const result = await this.tokens.collection.updateOne(
      { _id: id, revokedAt: null },
      { $set: { ...revocationFields(revocation), replacedBy: successor } },
    );
    return result.modifiedCount === 1;
  }

  /** Revokes one token if it is still active; false when it was not. */
  async revokeIfActive(id: Types.ObjectId, revocation: Revocation): Promise<boolean> {
    const result = await this.tokens.collection.updateOne(
      { _id: id, revokedAt: null, expiresAt: { $gt: revocation.at } },
      { $set: revocationFields(revocation) },
    );
    return result.modifiedCount === 1;
  }

  /** Revokes the token unless it is revoked already (a rotated token keeps `rotated`). */
  async revokeUnlessRevoked(id: Types.ObjectId, revocation: Revocation): Promise<void> {
    await this.tokens.collection.updateOne(
      { _id: id, revokedAt: null },
      { $set: revocationFields(revocation) },
    );
  }

  /**
   * A user's tokens, {@link NEWEST_FIRST}; with a page, `limit` of them after the token `after`
   * (none if `after` is not one of the user's tokens).
   */
  async listByUser(userId: string, page?: TokenPage): Promise<RefreshTokenRecord[]> {
    const owner = new Types.ObjectId(userId);
    const before = await this.olderThan(owner, page?.after);
    if (before === null) return [];
    const filter = { userId: owner, ...before };
    if (page !== undefined)
      return findPage(this.tokens, {
        filter,
        projection: LISTING_FIELDS,
        sort: NEWEST_FIRST,
        limit: page.limit,
      });
    return this.tokens
      .find(filter, LISTING_FIELDS)
      .sort(NEWEST_FIRST)
      .lean<RefreshTokenRecord[]>()
      .exec();
  }

  /**
   * For DataLoader: the first `limit` tokens of each user (newest first, after `after`) in one
   * query. Only `limit` tokens per user are kept, so memory is bounded by the page whatever the
   * number of tokens, and reading stops once every user's page is full.
   */
  async pageByUsers(
    userIds: readonly string[],
    { limit, after }: TokenPage,
  ): Promise<Map<string, RefreshTokenRecord[]>> {
    const owners = userIds.map((id) => new Types.ObjectId(id));
    const pages = new Map<string, RefreshTokenRecord[]>(userIds.map((id) => [id, []]));
    // `after` names one token, hence one user: the others have nothing after it
    const afterToken = after === undefined ? undefined : await this.position(after);
    if (afterToken === null) return pages;
    const filter =
      afterToken === undefined
        ? { userId: trusted({ $in: owners }) }
        : { userId: afterToken.userId, ...olderFilter(afterToken) };
    const cursor = this.tokens
      .find(filter, LISTING_FIELDS)
      .sort(NEWEST_FIRST)
      .lean<RefreshTokenRecord>()
      .cursor();
    let open = pages.size;
    try {
      for await (const record of cursor) {
        const page = pages.get(record.userId.toHexString());
        if (page === undefined || page.length === limit) continue;
        page.push(record);
        if (page.length === limit && --open === 0) break;
      }
    } finally {
      await cursor.close();
    }
    return pages;
  }

  /** The filter for tokens listed after `after` among the owner's: {} without one, null if unknown. */
  private async olderThan(
    owner: Types.ObjectId,
    after: string | undefined,
  ): Promise<Record<string, unknown> | null> {
    if (after === undefined) return {};
    const token = await this.position(after);
    return token !== null && token.userId.equals(owner) ? olderFilter(token) : null;
  }

  /** Where the token `after` sits in a listing; null when there is no such token. */
  private position(
    after: string,
  ): Promise<Pick<RefreshTokenRecord, '_id' | 'userId' | 'createdAt'> | null> {
    const id = objectIdOf(after);
    if (id === undefined) return Promise.resolve(null);
    return findOneById(this.tokens, id, { userId: 1, createdAt: 1 });
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
