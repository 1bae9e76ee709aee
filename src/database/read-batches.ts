import type { Document } from 'mongodb';
import type { mongo, Types } from 'mongoose';
import { Batcher } from './batcher';
import { readCommand } from './read-command';

/** Reads per command at most; the rest wait for the next one. */
const MAX_BATCH = 500;

type Id = Types.ObjectId | string;

/**
 * Reads by `_id` from one collection with one projection, coalesced across concurrent callers
 * ({@link Batcher}): the reads of a batch go as one `find` of `_id: {$in: …}`, which both backends
 * answer from the `_id` index (FerretDB through the project's patch). Each caller gets its own
 * document, a copy of its own when several asked for the same id. A read is sent after it was
 * asked for, so it sees every write that completed before.
 */
export class ReadBatches {
  private readonly batcher = new Batcher<Id, Document | null>((ids) => this.read(ids), MAX_BATCH);

  constructor(
    private readonly db: mongo.Db,
    private readonly collectionName: string,
    private readonly projection: Record<string, 0 | 1> | undefined,
  ) {}

  find<T>(id: Id): Promise<T | null> {
    return this.batcher.submit(id) as Promise<T | null>;
  }

  private async read(ids: Id[]): Promise<(Document | null)[]> {
    const distinct = [...new Map(ids.map((id) => [keyOf(id), id])).values()];
    const reply = await readCommand(this.db, {
      find: this.collectionName,
      filter: { _id: distinct.length === 1 ? distinct[0] : { $in: distinct } },
      ...(this.projection !== undefined && { projection: this.projection }),
      limit: distinct.length,
      batchSize: distinct.length,
      singleBatch: true,
    });
    const found = new Map(
      (reply.cursor as { firstBatch: Document[] }).firstBatch.map((document) => [
        keyOf(document._id as Id),
        document,
      ]),
    );
    // the first caller of an id gets the decoded document, any other a copy of its own
    const handedOut = new Set<string>();
    return ids.map((id) => {
      const key = keyOf(id);
      const document = found.get(key) ?? null;
      if (document === null || !handedOut.has(key)) {
        handedOut.add(key);
        return document;
      }
      return structuredCopy(document);
    });
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
