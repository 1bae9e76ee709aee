import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { cursorOf, deleteWhere, findPage, insertOnce } from '../database/driver';
import { SecurityEventDocument, SecurityEventRecord } from './security-event.schema';

/** Events per round trip when reading several users' events from one cursor. */
const BATCH_SIZE = 500;

/** The only code that touches the security_events collection. Returns plain objects. */
@Injectable()
export class SecurityEventsRepository {
  constructor(
    @InjectModel(SecurityEventDocument.name)
    private readonly events: Model<SecurityEventDocument>,
  ) {}

  /** Every field is set by SecurityEventsService.record, so the schema has nothing to add. */
  async insert(event: SecurityEventRecord): Promise<void> {
    await insertOnce(this.events, event);
  }

  /** Whether any event of the user is stored (a deleted user's stay). */
  async existForUser(userId: string): Promise<boolean> {
    return (await this.events.exists({ userId: new Types.ObjectId(userId) }).exec()) !== null;
  }

  /** Equality on the indexed `userId` plus an `_id` range, `_id` descending: never a collection scan. */
  listByUser(userId: string, limit: number, after?: string): Promise<SecurityEventRecord[]> {
    return findPage(this.events, {
      filter: { userId: new Types.ObjectId(userId), ...this.olderThan(after) },
      sort: { _id: -1 },
      limit,
    });
  }

  /**
   * For DataLoader: up to `limit` events of each user, newest first, from one query. The cursor is
   * closed as soon as every user has `limit` events, so it reads no more than it must.
   */
  async listByUsers(
    userIds: readonly string[],
    limit: number,
    after?: string,
  ): Promise<Map<string, SecurityEventRecord[]>> {
    const byUser = new Map<string, SecurityEventRecord[]>(userIds.map((id) => [id, []]));
    let open = byUser.size;
    const cursor = cursorOf<SecurityEventRecord>(
      this.events,
      { userId: { $in: userIds.map((id) => new Types.ObjectId(id)) }, ...this.olderThan(after) },
      { _id: -1 },
      { batchSize: BATCH_SIZE },
    );
    try {
      for await (const event of cursor) {
        const events = byUser.get(event.userId?.toHexString() ?? '');
        if (events === undefined || events.length >= limit) continue;
        events.push(event);
        if (events.length === limit && --open === 0) break;
      }
    } finally {
      await cursor.close();
    }
    return byUser;
  }

  /**
   * Deletes every event from before `cutoff`, as an `_id` range (ids are drawn when the event
   * happens). Idempotent, so instances running it at the same time do no harm.
   */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const bound = Types.ObjectId.createFromTime(Math.floor(cutoff.getTime() / 1000));
    return deleteWhere(this.events, { _id: { $lt: bound } });
  }

  private olderThan(after: string | undefined) {
    return after === undefined ? {} : { _id: { $lt: new Types.ObjectId(after) } };
  }
}
