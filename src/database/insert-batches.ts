import type { Document } from 'mongodb';
import { mongo } from 'mongoose';

const DUPLICATE_KEY = 11000;
/** Documents per insert command at most; the rest wait for the next one. */
const MAX_BATCH = 500;

interface QueuedInsert {
  document: Document;
  settle: (stored: boolean | Error) => void;
}

/**
 * Group commit for inserts into one collection. An insert goes once the event loop has run the
 * callbacks of the current turn, together with the inserts those asked for; those that arrive
 * while a batch is in flight wait for it, then go together as one unordered `insertMany`. Each
 * caller still learns whether its own document was stored (false: its `_id` or a unique value was
 * taken), so an insert keeps deciding races, two racers in one batch included.
 *
 * FerretDB's SQLite backend stores one insert command in one transaction, so under load a batch
 * costs about what a single document did; MongoDB journals a batch in one write too. Nothing
 * waits for a timer: at low load every insert is sent alone, as before.
 */
export class InsertBatches {
  private readonly queue: QueuedInsert[] = [];
  private sending = false;

  constructor(private readonly collection: mongo.Collection) {}

  insert(document: Document): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({
        document,
        settle: (stored) => (stored instanceof Error ? reject(stored) : resolve(stored)),
      });
      if (this.sending) return;
      // replies that arrived together resume their requests in one turn: their inserts share it
      this.sending = true;
      setImmediate(() => void this.sendAll());
    });
  }

  private async sendAll(): Promise<void> {
    while (this.queue.length > 0) await this.send(this.queue.splice(0, MAX_BATCH));
    this.sending = false;
  }

  private async send(batch: QueuedInsert[]): Promise<void> {
    try {
      if (batch.length === 1) await this.collection.insertOne(batch[0].document);
      else
        await this.collection.insertMany(
          batch.map((entry) => entry.document),
          { ordered: false },
        );
      for (const entry of batch) entry.settle(true);
    } catch (error) {
      settleFailed(batch, error);
    }
  }
}

/**
 * A failed batch: each document a write error names was not stored (a duplicate answers false,
 * any other error goes to its caller); the others were. An error that names no document (the
 * connection, a write concern) goes to every caller, as it would have without batching.
 */
function settleFailed(batch: QueuedInsert[], error: unknown): void {
  const writeErrors =
    error instanceof mongo.MongoBulkWriteError && error.result.getWriteConcernError() === undefined
      ? [error.writeErrors].flat()
      : undefined;
  if (writeErrors === undefined || writeErrors.length === 0 || batch.length === 1) {
    const duplicate = batch.length === 1 && isDuplicateKey(error);
    for (const entry of batch) entry.settle(duplicate ? false : asError(error));
    return;
  }
  const failures = new Map(writeErrors.map((writeError) => [writeError.index, writeError]));
  batch.forEach((entry, index) => {
    const failure = failures.get(index);
    if (failure === undefined) entry.settle(true);
    else if (failure.code === DUPLICATE_KEY) entry.settle(false);
    else entry.settle(new mongo.MongoServerError({ message: failure.errmsg, code: failure.code }));
  });
}

/** The server refused an insert because the `_id` or a unique index already holds its value. */
export function isDuplicateKey(error: unknown): boolean {
  if (error instanceof mongo.MongoBulkWriteError)
    return [error.writeErrors].flat().every((writeError) => writeError.code === DUPLICATE_KEY);
  return (error as { code?: number } | null)?.code === DUPLICATE_KEY;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
