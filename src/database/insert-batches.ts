import type { Document } from 'mongodb';
import { mongo } from 'mongoose';
import { asError, Batcher } from './batcher';

const DUPLICATE_KEY = 11000;
/** Documents per insert command at most; the rest wait for the next one. */
const MAX_BATCH = 500;

/**
 * Group commit for inserts into one collection ({@link Batcher}): the inserts of a batch go as
 * one unordered `insertMany`. Each caller still learns whether its own document was stored
 * (false: its `_id` or a unique value was taken), so an insert keeps deciding races, two racers in
 * one batch included.
 *
 * FerretDB's SQLite backend stores one insert command in one transaction, so under load a batch
 * costs about what a single document did; MongoDB journals a batch in one write too.
 */
export class InsertBatches {
  private readonly batcher = new Batcher<Document, boolean>(
    (documents) => this.send(documents),
    MAX_BATCH,
  );

  constructor(private readonly collection: mongo.Collection) {}

  insert(document: Document): Promise<boolean> {
    return this.batcher.submit(document);
  }

  private async send(documents: Document[]): Promise<(boolean | Error)[]> {
    try {
      if (documents.length === 1) await this.collection.insertOne(documents[0]);
      else await this.collection.insertMany(documents, { ordered: false });
      return documents.map(() => true);
    } catch (error) {
      return resultsOfFailed(documents.length, error);
    }
  }
}

/**
 * A failed batch: each document a write error names was not stored (a duplicate answers false,
 * any other error goes to its caller); the others were. An error that names no document (the
 * connection, a write concern) goes to every caller, as it would have without batching.
 */
function resultsOfFailed(size: number, error: unknown): (boolean | Error)[] {
  const writeErrors =
    error instanceof mongo.MongoBulkWriteError && error.result.getWriteConcernError() === undefined
      ? [error.writeErrors].flat()
      : undefined;
  if (writeErrors === undefined || writeErrors.length === 0 || size === 1) {
    const result = size === 1 && isDuplicateKey(error) ? false : asError(error);
    return Array.from({ length: size }, () => result);
  }
  const failures = new Map(writeErrors.map((writeError) => [writeError.index, writeError]));
  return Array.from({ length: size }, (_, index) => {
    const failure = failures.get(index);
    if (failure === undefined) return true;
    if (failure.code === DUPLICATE_KEY) return false;
    return new mongo.MongoServerError({ message: failure.errmsg, code: failure.code });
  });
}

/** The server refused an insert because the `_id` or a unique index already holds its value. */
export function isDuplicateKey(error: unknown): boolean {
  if (error instanceof mongo.MongoBulkWriteError)
    return [error.writeErrors].flat().every((writeError) => writeError.code === DUPLICATE_KEY);
  return (error as { code?: number } | null)?.code === DUPLICATE_KEY;
}
