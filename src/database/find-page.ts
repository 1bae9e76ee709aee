import type { Document, Filter } from 'mongodb';
import type { Model } from 'mongoose';
import { AppError, ErrorCode } from '../common/app-error';

export interface PageQuery {
  /** Built from typed values only: the driver sees it as it is, without mongoose's casting or sanitizeFilter. */
  filter: Filter<Document>;
  /** Every field when left out. */
  projection?: Record<string, 0 | 1>;
  sort: Record<string, 1 | -1>;
  limit: number;
}

/**
 * A page of at most `limit` documents, read by one `find` command and decoded with its reply.
 *
 * Through mongoose's `find().lean()` the driver opens a cursor, decodes each document on its own
 * after parsing the batch, and closes the cursor with a `killCursors` round trip (FerretDB keeps a
 * cursor open once `limit` documents are returned). On a page of 100 users that cost 1,140 µs of
 * the server's CPU against 510 µs here (measured in process, same FerretDB).
 *
 * `singleBatch` closes the cursor with the reply, so a page must fit in one batch (16 MiB): for
 * pages of small documents only. Unlike a driver cursor, a command is not retried by the driver
 * on a failover; that error is answered 503 like any unreachable database.
 */
export async function findPage<T>(
  model: Pick<Model<unknown>, 'db' | 'collection'>,
  query: PageQuery,
): Promise<T[]> {
  const db = model.db.db;
  if (db === undefined) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE);
  const reply = await db.command({
    find: model.collection.collectionName,
    filter: query.filter,
    ...(query.projection !== undefined && { projection: query.projection }),
    sort: query.sort,
    limit: query.limit,
    batchSize: query.limit,
    singleBatch: true,
  });
  return (reply.cursor as { firstBatch: T[] }).firstBatch;
}
