import type { Document, Filter, UpdateFilter } from 'mongodb';
import { mongo, type Model, type Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { InsertBatches, isDuplicateKey } from './insert-batches';
import { ReadBatches } from './read-batches';
import { readCommand } from './read-command';

export { isDuplicateKey } from './insert-batches';

/**
 * The database's tricks, on one floor. Repositories call these helpers and speak the domain; no
 * other code touches a collection through the driver or knows a server error code.
 *
 * What the embedded FerretDB 1.24 lacks, and what covers it here:
 * - Guarded updates are not atomic and `$inc` loses concurrent updates: a race is decided by an
 *   insert under a chosen `_id` (or a unique index), which every backend makes atomic
 *   ({@link insertOnce}).
 * - Filters and sorts on other fields scan the collection (the project's patch pushes down `_id`
 *   lookups, `_id` ranges and equality on indexed fields): state is keyed so that reads are by
 *   `_id` ({@link findOneById}) or a page of an `_id` range ({@link findPage}), and what expires
 *   carries its expiry in its `_id` (./expiring-id.ts).
 * - No TTL indexes: the clean-up deletes by those `_id` ranges (./cleanup.ts).
 *
 * Reads and the updates below skip mongoose's query building and casting, which cost more than
 * the operation itself on the hot paths. Their filters are built from typed values only (ObjectIds
 * parsed after a format check, normalized names, dates), never from a client's object, so nothing
 * is left for casting or sanitizeFilter to do. Writes that need the schema (defaults, timestamps,
 * validation) stay with mongoose.
 */

type ModelCollection = Pick<Model<unknown>, 'db' | 'collection'>;

const driverCollections = new WeakMap<mongo.Db, Map<string, mongo.Collection>>();

/**
 * The driver's own collection behind a model. Mongoose's wrapper around it draws an ObjectId,
 * emits two events and adds a promise on every call, for its buffering and debug output, which
 * this service turns off (`bufferCommands: false`); every helper here goes straight to the driver.
 */
function collectionOf(model: ModelCollection): mongo.Collection {
  const db = model.db.db;
  if (db === undefined) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE);
  let collections = driverCollections.get(db);
  if (collections === undefined)
    driverCollections.set(db, (collections = new Map<string, mongo.Collection>()));
  const name = model.collection.collectionName;
  let collection = collections.get(name);
  if (collection === undefined) collections.set(name, (collection = db.collection(name)));
  return collection;
}

const insertBatches = new WeakMap<mongo.Collection, InsertBatches>();

/**
 * Inserts the document unless its `_id` (or a unique index) is taken: true when this call stored
 * it, false when another did first. The way to decide a race on every backend. Concurrent inserts
 * into one collection share a command (./insert-batches.ts).
 */
export function insertOnce(
  model: ModelCollection,
  document: Record<string, unknown> | object,
): Promise<boolean> {
  const collection = collectionOf(model);
  let batches = insertBatches.get(collection);
  if (batches === undefined)
    insertBatches.set(collection, (batches = new InsertBatches(collection)));
  return batches.insert(document);
}

/**
 * Inserts each document unless its `_id` is taken, in one round trip; each result says whether
 * that document was stored by this call. Unordered, so a taken `_id` does not stop the others.
 */
export async function insertEachOnce<T extends Document>(
  model: ModelCollection,
  documents: readonly T[],
): Promise<boolean[]> {
  if (documents.length === 0) return [];
  if (documents.length === 1) return [await insertOnce(model, documents[0])];
  const stored = documents.map(() => true);
  try {
    await collectionOf(model).insertMany([...documents] as Document[], { ordered: false });
  } catch (error) {
    if (!(error instanceof mongo.MongoBulkWriteError) || !isDuplicateKey(error)) throw error;
    for (const writeError of [error.writeErrors].flat()) stored[writeError.index] = false;
  }
  return stored;
}

const readBatches = new WeakMap<mongo.Db, Map<string, ReadBatches>>();

/**
 * The document stored under `id`, or null; `projection` as in `find`. Concurrent reads of one
 * collection with one projection share a command (./read-batches.ts).
 */
export function findOneById<T>(
  model: ModelCollection,
  id: Types.ObjectId | string,
  projection?: Record<string, 0 | 1>,
): Promise<T | null> {
  const db = model.db.db;
  if (db === undefined) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE);
  let batchesOfDb = readBatches.get(db);
  if (batchesOfDb === undefined)
    readBatches.set(db, (batchesOfDb = new Map<string, ReadBatches>()));
  const name = model.collection.collectionName;
  const key = `${name} ${JSON.stringify(projection ?? null)}`;
  let batches = batchesOfDb.get(key);
  if (batches === undefined)
    batchesOfDb.set(key, (batches = new ReadBatches(db, name, projection)));
  return batches.find<T>(id);
}

/**
 * A driver cursor over `filter` in `sort` order, for reads that stop once they have enough (or
 * stream a collection of any size in batches).
 */
export function cursorOf<T extends Document>(
  model: ModelCollection,
  filter: Filter<Document>,
  sort: Record<string, 1 | -1>,
  options: { projection?: Record<string, 0 | 1>; batchSize?: number } = {},
) {
  return collectionOf(model).find<T>(filter, { sort, ...options });
}

/** How many documents match `filter` (a scan on FerretDB unless it is an `_id` range: rare uses only). */
export function countWhere(
  model: ModelCollection,
  filter: Record<string, unknown>,
): Promise<number> {
  return collectionOf(model).countDocuments(filter);
}

/** Deletes every document matching `filter` (idempotent); answers how many went. */
export async function deleteWhere(
  model: ModelCollection,
  filter: Record<string, unknown>,
): Promise<number> {
  return (await collectionOf(model).deleteMany(filter)).deletedCount;
}

/**
 * Sets fields of the document stored under `id` (and matching `guard`); true when one matched.
 * With `upsert`, a missing document is created from `id` and the update (true as well).
 */
export async function updateById(
  model: ModelCollection,
  id: Types.ObjectId | string,
  update: UpdateFilter<Document>,
  guard: Filter<Document> = {},
  { upsert = false }: { upsert?: boolean } = {},
): Promise<boolean> {
  const result = await collectionOf(model).updateOne(
    { ...guard, _id: id } as Filter<Document>,
    update,
    { upsert },
  );
  return result.matchedCount === 1 || result.upsertedCount === 1;
}

export interface PageQuery {
  /** Built from typed values only (see above). */
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
 * cursor open once `limit` documents are returned).
 *
 * `singleBatch` closes the cursor with the reply, so a page must fit in one batch (16 MiB): for
 * pages of small documents only. The pages read here hold at most 1,000 users, tokens, events or
 * activity records of a few KiB at most (the longest field, a User-Agent, is cut at 1,024
 * characters: MAX_USER_AGENT_LENGTH). The driver does not retry a command on a failover as it does
 * a cursor's `find`: {@link readCommand} does.
 */
export async function findPage<T>(model: ModelCollection, query: PageQuery): Promise<T[]> {
  const db = model.db.db;
  if (db === undefined) throw new AppError(ErrorCode.SERVICE_UNAVAILABLE);
  const reply = await readCommand(db, {
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

/** The documents stored under `ids`, in one round trip (in no particular order). */
export function findByIds<T>(
  model: ModelCollection,
  ids: readonly (Types.ObjectId | string)[],
  projection?: Record<string, 0 | 1>,
): Promise<T[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return findPage<T>(model, {
    filter: { _id: { $in: ids } } as Filter<Document>,
    projection,
    sort: { _id: 1 },
    limit: ids.length,
  });
}
