/**
 * One bound, measured in its own process: `concurrency` loops of one operation for a fixed time.
 * Run by bench/bounds.ts; prints one JSON line ({@link BoundResult}) on stdout.
 */
import * as bcrypt from 'bcrypt';
import { Collection, MongoClient, ObjectId } from 'mongodb';
import { refreshTokenDocument } from './seed';
import { percentile } from './stats';

export type BoundKind = 'bcrypt' | 'db-read' | 'db-write' | 'db-list' | 'db-users-tokens';

export interface BoundTask {
  kind: BoundKind;
  concurrency: number;
  durationS: number;
  warmupS: number;
  mongoUri: string;
  password: string;
  passwordHash: string;
}

export interface BoundResult {
  ops: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  detail: string;
}

type Operation = () => Promise<unknown>;

const PUBLIC_FIELDS = { username: 1, role: 1, createdAt: 1, updatedAt: 1 } as const;
/** As src/sessions/store/refresh-tokens.repository.ts lists them. */
const TOKEN_LISTING_FIELDS = { tokenHash: 0 } as const;
/** The users whose tokens `gql-users-tokens` asks for: its `users(limit: 100)`. */
const USERS_WITH_TOKENS = 100;
/** As src/users/users.repository.ts pages from the start: a range on `_id`, which FerretDB reads from its index. */
const SMALLEST_OBJECT_ID = new ObjectId('000000000000000000000000');
const WRITE_COLLECTION = 'bench_write_bound';

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]) as BoundTask;
  const client =
    task.kind === 'bcrypt'
      ? undefined
      : await MongoClient.connect(task.mongoUri, { maxPoolSize: task.concurrency });
  try {
    const { operation, detail, cleanup } = await prepare(task, client);
    const result = await measure(operation, task);
    await cleanup?.();
    process.stdout.write(`${JSON.stringify({ ...result, detail })}\n`);
  } finally {
    await client?.close();
  }
}

async function prepare(
  task: BoundTask,
  client: MongoClient | undefined,
): Promise<{ operation: Operation; detail: string; cleanup?: () => Promise<unknown> }> {
  if (task.kind === 'bcrypt') {
    return {
      operation: () => bcrypt.compare(task.password, task.passwordHash),
      detail: `async bcrypt.compare at cost ${bcrypt.getRounds(task.passwordHash)}`,
    };
  }
  const db = client!.db();
  const users = db.collection('users');
  if (task.kind === 'db-list') {
    // the shape of a users page (src/users/users.repository.ts): a range on _id, sorted, limited
    const ids = (await users.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
    return {
      operation: () =>
        users
          .find({ _id: { $gt: pick(ids) } }, { projection: PUBLIC_FIELDS })
          .sort({ _id: 1 })
          .limit(100)
          .toArray(),
      detail: `find({_id: {$gt: random id}}).sort({_id: 1}).limit(100) on ${ids.length} users`,
    };
  }
  if (task.kind === 'db-users-tokens') {
    // the reads of `gql-users-tokens`: its page of users, then one batch of their tokens as the
    // loader asks for it (src/sessions/store/refresh-tokens.repository.ts pagesOfUsers)
    const tokens = db.collection('refresh_tokens');
    const readPage = async (): Promise<number> => {
      const page = await users
        .find({ _id: { $gte: SMALLEST_OBJECT_ID } }, { projection: PUBLIC_FIELDS })
        .sort({ _id: 1 })
        .limit(USERS_WITH_TOKENS)
        .toArray();
      const owned = await tokens
        .find(
          { userId: { $in: page.map((user) => user._id) } },
          { projection: TOKEN_LISTING_FIELDS },
        )
        .sort({ createdAt: -1, _id: -1 })
        .toArray();
      return owned.length;
    };
    const perAnswer = await readPage();
    return {
      operation: readPage,
      detail:
        `find({_id: {$gte: 0}}).sort({_id: 1}).limit(${USERS_WITH_TOKENS}) on the users, then ` +
        `find({userId: {$in: those}}).sort({createdAt: -1, _id: -1}): ${perAnswer} tokens per answer`,
    };
  }
  if (task.kind === 'db-read') {
    const ids = (await users.find({}, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
    return {
      operation: () => users.findOne({ _id: pick(ids) }, { projection: PUBLIC_FIELDS }),
      detail: `findOne({_id}) on ${ids.length} users`,
    };
  }
  // db-write: a rotation's writes (insert the successor link, move the session's activity), in
  // scratch collections indexed like refresh_tokens and session_activity
  const links = db.collection(WRITE_COLLECTION);
  const activity = db.collection(`${WRITE_COLLECTION}_activity`);
  await links.createIndex({ parent: 1 }, { unique: true });
  await links.createIndex({ sessionId: 1 });
  await links.createIndex({ userId: 1, createdAt: -1 });
  const heads = Array.from({ length: 1_000 }, () => tokenDoc(new ObjectId()));
  await links.insertMany(heads);
  await activity.insertMany(heads.map((head) => ({ _id: head.sessionId, tokenId: head._id })));
  return {
    operation: () => rotate(links, activity, heads),
    detail: `insertOne (unique parent) + updateOne({_id}), ${WRITE_COLLECTION} indexed like refresh_tokens`,
    cleanup: async () => {
      await links.drop();
      await activity.drop();
    },
  };
}

/** Rotates a random session's newest token: its successor follows it, the activity points at it. */
async function rotate(links: Collection, activity: Collection, heads: TokenDoc[]): Promise<void> {
  const index = Math.floor(Math.random() * heads.length);
  const successor = { ...tokenDoc(heads[index].sessionId), parent: heads[index]._id };
  heads[index] = successor;
  await links.insertOne(successor);
  await activity.updateOne(
    { _id: successor.sessionId },
    { $set: { tokenId: successor._id, lastUsedAt: successor.createdAt, ip: '127.0.0.1' } },
  );
}

type TokenDoc = ReturnType<typeof tokenDoc>;

function tokenDoc(sessionId: ObjectId) {
  return refreshTokenDocument(new ObjectId(), new Date(), sessionId).document;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/** Runs `concurrency` loops through warm-up and the measured window; counts what completes inside it. */
async function measure(
  operation: Operation,
  task: BoundTask,
): Promise<Omit<BoundResult, 'detail'>> {
  const start = performance.now() + task.warmupS * 1000;
  const end = start + task.durationS * 1000;
  const latencies: number[] = [];
  let errors = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const began = performance.now();
      try {
        await operation();
      } catch {
        errors += 1;
        continue;
      }
      const done = performance.now();
      if (done >= start && done <= end) latencies.push(done - began);
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, loop));
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    opsPerSecond: latencies.length / task.durationS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
