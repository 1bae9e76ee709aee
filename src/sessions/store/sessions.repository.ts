import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { findOneById, findPage } from '../../database/driver';
import {
  SessionActivityDocument,
  SessionActivityRecord,
  SessionDocument,
  SessionEndReason,
  SessionRecord,
} from './session.schema';

/** Sessions created after `since`, and before `before` when given. */
export interface SessionRange {
  since: Date;
  before?: Types.ObjectId;
}

/** The only code that touches the sessions and session_activity collections. Returns plain objects. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectModel(SessionDocument.name) private readonly sessions: Model<SessionDocument>,
    @InjectModel(SessionActivityDocument.name)
    private readonly activity: Model<SessionActivityDocument>,
  ) {}

  async insert(session: SessionRecord, activity: SessionActivityRecord): Promise<void> {
    await this.sessions.create(session);
    await this.activity.create(activity);
  }

  findById(id: Types.ObjectId): Promise<SessionRecord | null> {
    return findOneById(this.sessions, id);
  }

  findActivity(id: Types.ObjectId): Promise<SessionActivityRecord | null> {
    return findOneById(this.activity, id);
  }

  /** One round trip for up to a page of sessions (see {@link findPage}). */
  findActivities(ids: readonly Types.ObjectId[]): Promise<SessionActivityRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return findPage(this.activity, {
      filter: { _id: { $in: ids } },
      sort: { _id: 1 },
      limit: ids.length,
    });
  }

  async setActivity(activity: SessionActivityRecord): Promise<void> {
    const { _id, ...fields } = activity;
    // to the driver as it is: every refresh writes it, and the schema adds nothing to an update
    await this.activity.collection.updateOne({ _id }, { $set: fields });
  }

  /**
   * Marks the session ended. Only the first end sets the reason on MongoDB; on FerretDB two ends
   * at once may both write, which leaves it ended either way: nothing ever clears `endedAt`.
   */
  async markEnded(id: Types.ObjectId, reason: SessionEndReason, at: Date): Promise<boolean> {
    const result = await this.sessions
      .updateOne({ _id: id, endedAt: null }, { $set: { endedAt: at, endedReason: reason } })
      .exec();
    return result.modifiedCount === 1;
  }

  /**
   * The users' sessions that are not ended and not past their absolute lifetime, newest first.
   * The filter is equality on the indexed `userId` with an `_id` range and sort (ObjectIds start
   * with their creation time): no session older than the absolute lifetime can be alive, so
   * `since` bounds how far back the range goes, on MongoDB and on FerretDB alike.
   */
  listOpen(
    userIds: readonly Types.ObjectId[],
    range: SessionRange,
    now: Date,
  ): Promise<SessionRecord[]> {
    return this.openCursor(userIds, range, now).toArray();
  }

  /** As {@link listOpen}, read through a cursor, so a caller can stop once it has enough. */
  openCursor(userIds: readonly Types.ObjectId[], range: SessionRange, now: Date) {
    const idRange: Record<string, Types.ObjectId> = {
      $gte: Types.ObjectId.createFromTime(Math.floor(range.since.getTime() / 1000)),
    };
    if (range.before !== undefined) idRange.$lt = range.before;
    // through the driver: mongoose's cursor added its own work to every session read
    return this.sessions.collection.find<SessionRecord>(
      {
        userId: userIds.length === 1 ? userIds[0] : { $in: userIds },
        _id: idRange,
        endedAt: null,
        absoluteExpiresAt: { $gt: now },
      },
      { sort: { _id: -1 } },
    );
  }

  /** Removes every session of the user and its activity document. */
  async deleteAllOfUser(userId: string): Promise<void> {
    const owner = new Types.ObjectId(userId);
    const ids = (await this.sessions.distinct('_id', { userId: owner }).exec()) as Types.ObjectId[];
    if (ids.length > 0) await this.activity.deleteMany({ _id: trusted({ $in: ids }) }).exec();
    await this.sessions.deleteMany({ userId: owner }).exec();
  }
}
