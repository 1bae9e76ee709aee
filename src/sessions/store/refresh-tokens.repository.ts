import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { cursorOf, deleteWhere, findOneById, findPage, insertOnce } from '../../database/driver';
import { expiredBefore } from '../../database/expiring-id';
import {
  EndLinkRecord,
  LinkRecord,
  RefreshTokenDocument,
  RefreshTokenRecord,
} from './refresh-token.schema';

/** `createdAt`, then `_id` (two tokens may share a millisecond). */
const NEWEST_FIRST = { createdAt: -1, _id: -1 } as const;
const LISTING_FIELDS = { tokenHash: 0 } as const;

export interface TokenPage {
  limit: number;
  /** A token id: the page starts after it. */
  after?: Types.ObjectId;
}

/** Tokens listed after `token` in newest-first order. */
function olderThan(token: Pick<RefreshTokenRecord, '_id' | 'createdAt'>) {
  return {
    $or: [
      { createdAt: { $lt: token.createdAt } },
      { createdAt: token.createdAt, _id: { $lt: token._id } },
    ],
  };
}

/** The only code that touches the refresh_tokens collection: the links of sessions' chains. */
@Injectable()
export class RefreshTokensRepository implements OnModuleInit {
  constructor(
    @InjectModel(RefreshTokenDocument.name) private readonly links: Model<RefreshTokenDocument>,
  ) {}

  /** Rotation and ends are decided by the unique `parent` index: it must exist before any insert. */
  async onModuleInit(): Promise<void> {
    await this.links.init();
  }

  /** Stores the link unless another already follows its parent: false then. */
  insert(link: LinkRecord): Promise<boolean> {
    return insertOnce(this.links, link);
  }

  findById(id: Types.ObjectId): Promise<LinkRecord | null> {
    return findOneById(this.links, id);
  }

  /** The link that follows `parent`, if any: an equality on the unique `parent` index. */
  findSuccessor(parent: Types.ObjectId): Promise<LinkRecord | null> {
    return this.links.findOne({ parent }).lean<LinkRecord>().exec();
  }

  /** The links that follow each of `parents` (one read), by parent id. */
  async findSuccessors(parents: readonly Types.ObjectId[]): Promise<Map<string, LinkRecord>> {
    if (parents.length === 0) return new Map();
    const links = await findPage<LinkRecord>(this.links, {
      filter: { parent: { $in: parents } },
      projection: LISTING_FIELDS,
      sort: { _id: 1 },
      limit: parents.length,
    });
    return new Map(links.map((link) => [link.parent.toHexString(), link]));
  }

  /** A user's tokens, newest first: `limit` of them after the token `after` (none if not the user's). */
  async pageOfUser(userId: Types.ObjectId, page: TokenPage): Promise<RefreshTokenRecord[]> {
    const filter = await this.listingFilter([userId], page.after);
    if (filter === null) return [];
    return findPage(this.links, {
      filter,
      projection: LISTING_FIELDS,
      sort: NEWEST_FIRST,
      limit: page.limit,
    });
  }

  /**
   * For DataLoader: the same page of each user's tokens in one read. Only `limit` tokens per user
   * are kept, and reading stops once every user's page is full.
   */
  async pagesOfUsers(
    userIds: readonly Types.ObjectId[],
    page: TokenPage,
  ): Promise<Map<string, RefreshTokenRecord[]>> {
    const pages = new Map<string, RefreshTokenRecord[]>(
      userIds.map((id) => [id.toHexString(), []]),
    );
    const filter = await this.listingFilter(userIds, page.after);
    if (filter === null) return pages;
    const cursor = cursorOf<RefreshTokenRecord>(
      this.links,
      filter,
      NEWEST_FIRST,
    ).project<RefreshTokenRecord>(LISTING_FIELDS);
    let open = pages.size;
    try {
      for await (const token of cursor) {
        const userPage = pages.get(token.userId.toHexString());
        if (userPage === undefined || userPage.length === page.limit) continue;
        userPage.push(token);
        if (userPage.length === page.limit && --open === 0) break;
      }
    } finally {
      await cursor.close();
    }
    return pages;
  }

  /** End links whose retention is over, oldest first. */
  findDueEnds(now: Date, limit: number): Promise<EndLinkRecord[]> {
    return findPage(this.links, {
      filter: { _id: expiredBefore(now), end: { $exists: true } },
      sort: { _id: 1 },
      limit,
    });
  }

  /** Every token past its own expiry (end links wait for their sessions: {@link findDueEnds}). */
  deleteExpiredTokens(now: Date): Promise<number> {
    return deleteWhere(this.links, { _id: expiredBefore(now), end: { $exists: false } });
  }

  /** Every link of these sessions, tokens first, so that no token outlives the end that follows it. */
  async deleteOfSessions(sessionIds: readonly Types.ObjectId[]): Promise<void> {
    if (sessionIds.length === 0) return;
    const ofSessions = { sessionId: { $in: sessionIds } };
    await deleteWhere(this.links, { ...ofSessions, end: { $exists: false } });
    await deleteWhere(this.links, ofSessions);
  }

  /**
   * Where a listing of these users' tokens starts: the filter for tokens after `after`, or null
   * when `after` is not a token of theirs (a page after it is empty).
   */
  private async listingFilter(
    userIds: readonly Types.ObjectId[],
    after: Types.ObjectId | undefined,
  ): Promise<Record<string, unknown> | null> {
    const owners = userIds.length === 1 ? userIds[0] : { $in: userIds };
    if (after === undefined) return { userId: owners };
    const position = await findOneById<RefreshTokenRecord>(this.links, after, {
      userId: 1,
      createdAt: 1,
    });
    if (position?.userId === undefined || !userIds.some((id) => id.equals(position.userId)))
      return null;
    // `after` names one token, hence one user: the others have nothing after it
    return { userId: position.userId, ...olderThan(position) };
  }
}
