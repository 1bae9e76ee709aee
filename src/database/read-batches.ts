import type { Document } from 'mongodb';
import type { mongo, Types } from 'mongoose';

/** Documents per read at most; the rest wait for the next one. */
const MAX_BATCH = 500;

type Id = Types.ObjectId | string;

interface Batch {
  /** The waiters of each id, under {@link keyOf} its id. */
  waiters: Map<string, { id: Id; settle: ((found: Document | null | Error) => void)[] }>;
}

/**
 * Reads by `_id` from one collection with one projection, coalesced across concurrent callers:
 * a read goes once the event loop has run the callbacks of the current turn, with the reads those
 * asked for; those that arrive while it is in flight wait for it, then go together as one `find`
 * of `_id: {$in: …}`, which both backends answer from the `_id` index (FerretDB through the
 * project's patch). Each caller gets its own document, a copy of its own when several asked for
 * the same id. Nothing waits for a timer, and a read is sent after it was asked for, so it sees
 * every write that completed before.
 */
export class ReadBatches {
  private readonly queue: Batch[] = [];
  private reading = false;

  constructor(
    private readonly db: mongo.Db,
    private readonly collectionName: string,
    private readonly projection: Record<string, 0 | 1> | undefined,
  ) {}

  find<T>(id: Id): Promise<T | null> {
    return new Promise<T | null>((resolve, reject) => {
      const settle = (found: Document | null | Error) =>
        found instanceof Error ? reject(found) : resolve(found as T | null);
      this.waitersOf(id).push(settle);
      if (this.reading) return;
      // replies that arrived together resume their requests in one turn: their reads share it
      this.reading = true;
      setImmediate(() => void this.readAll());
    });
  }

  private waitersOf(id: Id): ((found: Document | null | Error) => void)[] {
    const key = keyOf(id);
    let batch = this.queue.find(
      (queued) => queued.waiters.size < MAX_BATCH || queued.waiters.has(key),
    );
    if (batch === undefined) this.queue.push((batch = { waiters: new Map() }));
    let entry = batch.waiters.get(key);
    if (entry === undefined) batch.waiters.set(key, (entry = { id, settle: [] }));
    return entry.settle;
  }

  private async readAll(): Promise<void> {
    for (let batch = this.queue.shift(); batch !== undefined; batch = this.queue.shift())
      await this.read(batch);
    this.reading = false;
  }

  private async read(batch: Batch): Promise<void> {
    const entries = [...batch.waiters.values()];
    try {
      const ids = entries.map((entry) => entry.id);
      const reply = await this.db.command({
        find: this.collectionName,
        filter: { _id: ids.length === 1 ? ids[0] : { $in: ids } },
        ...(this.projection !== undefined && { projection: this.projection }),
        limit: ids.length,
        batchSize: ids.length,
        singleBatch: true,
      });
      const found = new Map(
        (reply.cursor as { firstBatch: Document[] }).firstBatch.map((document) => [
          keyOf(document._id as Id),
          document,
        ]),
      );
      for (const entry of entries) {
        const document = found.get(keyOf(entry.id)) ?? null;
        entry.settle.forEach((settle, index) =>
          settle(index === 0 || document === null ? document : structuredCopy(document)),
        );
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const entry of entries) for (const settle of entry.settle) settle(failure);
    }
  }
}

/** An ObjectId and the string of its hex are different `_id`s. */
function keyOf(id: Id): string {
  return typeof id === 'string' ? `s:${id}` : `o:${id.toHexString()}`;
}

/** A copy of a decoded document that keeps its BSON values (ObjectIds, dates) as they are. */
function structuredCopy(document: Document): Document {
  const copy = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(copy);
    if (value instanceof Date) return new Date(value.getTime());
    if (value !== null && typeof value === 'object' && value.constructor === Object)
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copy(inner)]));
    // ObjectIds and other BSON values are never changed in place
    return value;
  };
  return copy(document) as Document;
}
