import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import {
  cursorOf,
  deleteWhere,
  findByIds,
  findOneById,
  findPage,
  insertOnce,
  updateById,
} from '../../database/driver';
import { Batcher } from '../../database/batcher';
import { expiredBefore } from '../../database/expiring-id';
import {
  SessionActivityDocument,
  SessionActivityRecord,
  SessionDocument,
  SessionEndReason,
  SessionRecord,
} from './session.schema';

/** The only code that touches the sessions and session_activity collections. Returns plain objects. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectModel(SessionDocument.name) private readonly sessions: Model<SessionDocument>,
    @InjectModel(SessionActivityDocument.name)
    private readonly activity: Model<SessionActivityDocument>,
  ) {}

  /** Counts of open sessions asked for at once, sent together ({@link countOpenOf}). */
  private readonly openCounts = new Batcher<OpenCount, number>(
    (counts) => this.countOpenOf(counts),
    MAX_COUNTS_PER_COMMAND,
  );

  async insert(session: SessionRecord): Promise<void> {
    await insertOnce(this.sessions, session);
  }

  findById(id: Types.ObjectId): Promise<SessionRecord | null> {
    return findOneById(this.sessions, id);
  }

  /** The activity stored by the session's refreshes: null before its first (see `opening`). */
  findActivity(id: Types.ObjectId): Promise<SessionActivityRecord | null> {
    return findOneById(this.activity, id);
  }

  /** One round trip for up to a page of sessions. */
  findActivities(ids: readonly Types.ObjectId[]): Promise<SessionActivityRecord[]> {
    return findByIds(this.activity, ids);
  }

  /** Stores a refresh's activity: the first refresh of a session creates the document. */
  async setActivity({ _id, ...fields }: SessionActivityRecord): Promise<void> {
    await updateById(this.activity, _id, { $set: fields }, {}, { upsert: true });
  }

  /**
   * Marks the session ended. Only the first end sets the reason on MongoDB; on FerretDB two ends
   * at once may both write, which leaves it ended either way: nothing ever clears `endedAt`.
   */
  async markEnded(id: Types.ObjectId, reason: SessionEndReason, at: Date): Promise<void> {
    await updateById(
      this.sessions,
      id,
      { $set: { endedAt: at, endedReason: reason } },
      {
        endedAt: null,
      },
    );
  }

  /**
   * The users' sessions that are not marked ended and not past their absolute lifetime, newest
   * first, through a cursor so that a caller can stop once it has enough. Equality on the indexed
   * `userId` with an `_id` range and sort: the shape FerretDB pushes down. A live session's `_id`
   * (its expiry plus retention) lies after `now` + SESSION_RETENTION.
   */
  openCursor(
    userIds: readonly Types.ObjectId[],
    range: { aliveAfter: Types.ObjectId; before?: Types.ObjectId },
    now: Date,
  ) {
    return cursorOf<SessionRecord>(this.sessions, openFilter(userIds, range, now), { _id: -1 });
  }

  /**
   * How many of the user's sessions are open (as {@link openCursor} selects them), counted up to
   * `upTo` only. Counts asked for at once share one command ({@link countOpenOf}).
   */
  countOpen(
    userId: Types.ObjectId,
    aliveAfter: Types.ObjectId,
    now: Date,
    upTo: number,
  ): Promise<number> {
    return this.openCounts.submit({ userId, aliveAfter, now, upTo });
  }

  /**
   * The counts of a batch, from one find of the open sessions of all their users, under the
   * earliest `now` and lowest `aliveAfter` among them (so it finds every session any of them
   * counts), each count then taken from those rows under its own. Limited to what the counts
   * can use together (and {@link MAX_ROWS_PER_COUNT_COMMAND}): a reply that fills the limit may
   * lack a user's rows, and each count is then read on its own.
   */
  private async countOpenOf(counts: OpenCount[]): Promise<number[]> {
    if (counts.length === 1) return [await this.countOpenAlone(counts[0])];
    const limit = Math.min(
      MAX_ROWS_PER_COUNT_COMMAND,
      counts.reduce((sum, count) => sum + count.upTo, 0),
    );
    const rows = await findPage<OpenRow>(this.sessions, {
      filter: openFilter(
        [...new Map(counts.map((count) => [count.userId.toHexString(), count.userId])).values()],
        { aliveAfter: earliest(counts.map((count) => count.aliveAfter)) },
        earliest(counts.map((count) => count.now)),
      ),
      projection: { _id: 1, userId: 1, absoluteExpiresAt: 1 },
      sort: { _id: -1 },
      limit,
    });
    if (rows.length >= limit) return Promise.all(counts.map((count) => this.countOpenAlone(count)));
    return counts.map(({ userId, aliveAfter, now, upTo }) => {
      const open = rows.filter(
        (row) =>
          row.userId.equals(userId) &&
          row._id.toHexString() > aliveAfter.toHexString() &&
          row.absoluteExpiresAt > now,
      );
      return Math.min(open.length, upTo);
    });
  }

  private async countOpenAlone({ userId, aliveAfter, now, upTo }: OpenCount): Promise<number> {
    const open = await findPage<{ _id: Types.ObjectId }>(this.sessions, {
      filter: openFilter([userId], { aliveAfter }, now),
      projection: { _id: 1 },
      sort: { _id: -1 },
      limit: upTo,
    });
    return open.length;
  }

  /** Removes these sessions and their activity. */
  async deleteByIds(ids: readonly Types.ObjectId[]): Promise<void> {
    if (ids.length === 0) return;
    await deleteWhere(this.sessions, { _id: { $in: ids } });
    await deleteWhere(this.activity, { _id: { $in: ids } });
  }

  /** Removes the sessions, and their activity, whose absolute lifetime and retention are over. */
  async deleteExpired(now: Date): Promise<void> {
    await deleteWhere(this.sessions, { _id: expiredBefore(now) });
    await deleteWhere(this.activity, { _id: expiredBefore(now) });
  }

  /** The ids of every session of the user, ended or not. */
  async idsOfUser(userId: Types.ObjectId): Promise<Types.ObjectId[]> {
    const sessions = await cursorOf<SessionRecord>(this.sessions, { userId }, { _id: 1 })
      .project<{ _id: Types.ObjectId }>({ _id: 1 })
      .toArray();
    return sessions.map((session) => session._id);
  }
}

/** A count of {@link SessionsRepository.countOpen}. */
interface OpenCount {
  userId: Types.ObjectId;
  aliveAfter: Types.ObjectId;
  now: Date;
  upTo: number;
}

type OpenRow = Pick<SessionRecord, '_id' | 'userId' | 'absoluteExpiresAt'>;

/** Counts one command answers at most. */
const MAX_COUNTS_PER_COMMAND = 50;
/**
 * Rows one shared count reads at most (a sign-in counts up to the cap plus one, and the cap may be
 * 10,000): the reply stays a page of small documents (findPage). Users near the cap fill it, and
 * their counts are read one by one, as before.
 */
const MAX_ROWS_PER_COUNT_COMMAND = 1_000;

/** The earliest of `values` (dates, or ObjectIds in `_id` order). */
function earliest<T extends Date | Types.ObjectId>(values: T[]): T {
  return values.reduce((first, value) => (orderOf(value) < orderOf(first) ? value : first));
}

/** What orders `value`: a date's time, an ObjectId's hex (its bytes' order). */
function orderOf(value: Date | Types.ObjectId): string | number {
  return value instanceof Date ? value.getTime() : value.toHexString();
}

/** Equality on the indexed `userId` with an `_id` range: the shape FerretDB pushes down. */
function openFilter(
  userIds: readonly Types.ObjectId[],
  range: { aliveAfter: Types.ObjectId; before?: Types.ObjectId },
  now: Date,
) {
  return {
    userId: userIds.length === 1 ? userIds[0] : { $in: userIds },
    _id: { $gt: range.aliveAfter, ...(range.before !== undefined && { $lt: range.before }) },
    endedAt: null,
    absoluteExpiresAt: { $gt: now },
  };
}
