import { Collection, Db, Document, Filter, Long, MongoClient, ObjectId, Sort } from 'mongodb';
import { testDatabaseUri } from '../support/test-app';

/**
 * The pushdown of tools/ferretdb/sqlite-id-index.patch, checked against FerretDB's unpatched path
 * on the same data. The reference wraps the filter in `$and` and adds a sort key that no document
 * has after the others (`_id` is unique, so the order is the same); the patch pushes neither down,
 * so FerretDB scans the collection and filters and sorts in Go, as upstream FerretDB does.
 * Against MongoDB (MONGODB_URI set) both sides are MongoDB's own answers.
 */
const EMBEDDED = process.env.MONGODB_URI === undefined;

const USERS = [new ObjectId(), new ObjectId(), new ObjectId()];
const [ALICE, BOB, CAROL] = USERS;
const SPECIAL = '<a&b> "quoted" \\ é \u0001 \u2028';

let client: MongoClient;
let db: Db;
let items: Collection;
/** ObjectId `_id`s of the collection, ascending. */
let objectIds: ObjectId[];

/** The same query, first as given (pushed down), then wrapped in `$and` (scanned). */
async function both(filter: Document, sort: Sort, limit = 0) {
  const run = (f: Document, by: Sort) =>
    items
      .find(f as Filter<Document>)
      .sort(by)
      .limit(limit)
      .toArray();
  const unpushed = Object.keys(sort).length === 0 ? sort : { ...(sort as object), noSuchField: 1 };
  return {
    pushed: await run(filter, sort),
    scanned: await run({ $and: [filter] }, unpushed as Sort),
  };
}

/** Without a sort neither MongoDB nor FerretDB promise an order: compare those as sets. */
function inSomeOrder(docs: Document[]): Document[] {
  const key = (doc: Document) => JSON.stringify(doc._id);
  return [...docs].sort((a, b) => key(a).localeCompare(key(b)));
}

async function expectSameAsScan(filter: Document, sort: Sort, limit = 0) {
  const { pushed, scanned } = await both(filter, sort, limit);
  if (Object.keys(sort).length === 0) expect(inSomeOrder(pushed)).toEqual(inSomeOrder(scanned));
  else expect(pushed).toEqual(scanned);
  return pushed;
}

async function explain(filter: Document, sort: Document, limit: number) {
  return db.command({ explain: { find: items.collectionName, filter, sort, limit } });
}

beforeAll(async () => {
  client = await MongoClient.connect(testDatabaseUri());
  db = client.db();
  items = db.collection('items');
  await items.createIndex({ userId: 1, _id: -1 });
  await items.createIndex({ userId: 1, createdAt: -1 });
  await items.createIndex({ sessionId: 1 });

  const base = Date.UTC(2026, 0, 1);
  const docs: Document[] = [];
  for (let i = 0; i < 240; i += 1) {
    docs.push({
      _id: new ObjectId(),
      userId: USERS[i % 3],
      sessionId: i % 5 === 0 ? SPECIAL : `s${i % 4}`,
      // not in _id order, so sorts by createdAt and by _id differ
      createdAt: new Date(base + ((i * 7919) % 240) * 1000),
    });
  }
  const aliceHex = ALICE.toHexString();
  docs.push(
    // mixed _id types: only ObjectId ranges may be answered from the index order
    // a string spelling an ObjectId greater than all others (FerretDB refuses one equal to an ObjectId)
    {
      _id: new ObjectId().toHexString(),
      userId: ALICE,
      sessionId: 's0',
      createdAt: new Date(base),
    },
    { _id: 'zzz', userId: ALICE, sessionId: 's1', createdAt: new Date(base) },
    { _id: SPECIAL, userId: BOB, sessionId: 's2', createdAt: new Date(base) },
    { _id: 42, userId: ALICE, sessionId: 's3', createdAt: new Date(base) },
    { _id: Long.fromNumber(7), userId: BOB, sessionId: 's3', createdAt: new Date(base) },
    { _id: 2.5, userId: CAROL, sessionId: 's3', createdAt: new Date(base) },
    { _id: new Date(base), userId: ALICE, sessionId: 's3', createdAt: new Date(base) },
    { _id: { nested: 1 }, userId: ALICE, sessionId: 's3', createdAt: new Date(base) },
    { _id: true, userId: ALICE, sessionId: 's3', createdAt: new Date(base) },
    // mixed userId types: MongoDB matches array elements, and nothing else of another type
    {
      _id: new ObjectId(),
      userId: [ALICE, BOB],
      sessionId: ['s1', SPECIAL],
      createdAt: new Date(base),
    },
    { _id: new ObjectId(), userId: [CAROL, 'x', 3], sessionId: 's1', createdAt: new Date(base) },
    { _id: new ObjectId(), userId: aliceHex, sessionId: 's1', createdAt: new Date(base) },
    { _id: new ObjectId(), userId: { id: ALICE }, sessionId: 's1', createdAt: new Date(base) },
    { _id: new ObjectId(), userId: null, sessionId: 's1', createdAt: new Date(base) },
    { _id: new ObjectId(), sessionId: 's1', createdAt: new Date(base) },
    { _id: new ObjectId(), userId: 12, sessionId: 's1', createdAt: new Date(base) },
  );
  await items.insertMany(docs);
  objectIds = (await items.find({}, { projection: { _id: 1 } }).toArray())
    .map((doc) => doc._id as unknown)
    .filter((id): id is ObjectId => id instanceof ObjectId)
    .sort((a, b) => a.toHexString().localeCompare(b.toHexString()));
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

describe('FerretDB pushdown (tools/ferretdb/sqlite-id-index.patch)', () => {
  it('pages by _id ascending and descending, with every range operator, like the scan, to the end', async () => {
    const first = objectIds[0];
    const last = objectIds[objectIds.length - 1];
    for (const after of [first, objectIds[100], last]) {
      for (const op of ['$gt', '$gte', '$lt', '$lte'] as const) {
        for (const order of [1, -1] as const) {
          await expectSameAsScan({ _id: { [op]: after } }, { _id: order }, 10);
        }
      }
    }
    // after the last id: an empty page; past the smallest: empty too
    expect(await expectSameAsScan({ _id: { $gt: last } }, { _id: 1 }, 10)).toEqual([]);
    expect(await expectSameAsScan({ _id: { $lt: first } }, { _id: -1 }, 10)).toEqual([]);
    // the string spelling an ObjectId is not an ObjectId: ranges on ObjectIds never return it
    const beforeLast = await expectSameAsScan({ _id: { $gte: objectIds.at(-2) } }, { _id: 1 }, 10);
    expect(beforeLast.map((doc) => doc._id)).toEqual([objectIds.at(-2), last]);
  });

  it('walks every page of the collection by _id and returns each ObjectId once, in order', async () => {
    for (const order of [1, -1] as const) {
      const seen: ObjectId[] = [];
      let bound = order === 1 ? new ObjectId('0'.repeat(24)) : new ObjectId('f'.repeat(24));
      for (;;) {
        const filter = { _id: order === 1 ? { $gt: bound } : { $lt: bound } };
        const page = await expectSameAsScan(filter, { _id: order }, 17);
        if (page.length === 0) break;
        seen.push(...page.map((doc) => doc._id));
        bound = seen[seen.length - 1];
      }
      expect(seen).toEqual(order === 1 ? objectIds : [...objectIds].reverse());
    }
  });

  it('pages one user’s rows by _id, matching arrays that hold the user and nothing of another type', async () => {
    for (const user of USERS) {
      for (const order of [1, -1] as const) {
        let bound = order === 1 ? new ObjectId('0'.repeat(24)) : new ObjectId('f'.repeat(24));
        let pages = 0;
        for (;;) {
          const range = order === 1 ? { $gt: bound } : { $lt: bound };
          const page = await expectSameAsScan({ userId: user, _id: range }, { _id: order }, 7);
          if (page.length === 0) break;
          pages += 1;
          bound = page[page.length - 1]._id;
        }
        expect(pages).toBeGreaterThan(10);
      }
    }
    const alice = await expectSameAsScan({ userId: ALICE }, { _id: -1 });
    // MongoDB's order of types, descending: dates, booleans, ObjectIds, documents, strings, numbers
    const rank = (id: unknown): number =>
      id instanceof Date
        ? 6
        : typeof id === 'boolean'
          ? 5
          : id instanceof ObjectId
            ? 4
            : typeof id === 'object'
              ? 3
              : typeof id === 'string'
                ? 2
                : 1;
    const ranks = alice.map((doc) => rank(doc._id));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(new Set(ranks)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    // the array [ALICE, BOB] matches; the hex string, the document, null, a number do not
    expect(alice.filter((doc) => Array.isArray(doc.userId))).toHaveLength(1);
    expect(alice.every((doc) => doc.userId instanceof ObjectId || Array.isArray(doc.userId))).toBe(
      true,
    );
  });

  it('answers equality and $in on ObjectIds and strings like the scan, with any sort', async () => {
    for (const sort of [{ _id: -1 }, { createdAt: -1, _id: -1 }, {}] as Sort[]) {
      await expectSameAsScan({ userId: BOB }, sort);
      await expectSameAsScan(
        { userId: { $eq: CAROL } },
        sort,
        Object.keys(sort).length > 0 ? 5 : 0,
      );
      await expectSameAsScan({ userId: { $in: [ALICE, CAROL] } }, sort);
      await expectSameAsScan({ userId: ALICE.toHexString() }, sort);
      await expectSameAsScan({ sessionId: SPECIAL }, sort);
      await expectSameAsScan({ sessionId: { $in: ['s1', SPECIAL] }, userId: BOB }, sort);
      await expectSameAsScan({ userId: new ObjectId() }, sort);
      await expectSameAsScan({ _id: { $in: [objectIds[3], objectIds[70], SPECIAL, 'zzz'] } }, sort);
      await expectSameAsScan({ _id: { $in: [objectIds[5], new ObjectId()] } }, sort);
    }
    expect(await items.findOne({ _id: SPECIAL } as Document)).toMatchObject({ userId: BOB });
    expect(await items.countDocuments({ sessionId: SPECIAL })).toBe(49);
  });

  it('leaves filters it cannot push down to the scan: other types, operators and paths', async () => {
    const mid = objectIds[120];
    for (const filter of [
      { _id: { $gt: 'a' } },
      { _id: { $gt: 7 } },
      { _id: { $gt: mid, $lt: 'zzz' } },
      { _id: { $in: [mid, 42] } },
      { _id: { $gt: mid }, userId: { $ne: ALICE } },
      { userId: [ALICE, BOB] },
      { userId: null },
      { 'userId.id': ALICE },
      { $or: [{ userId: ALICE }, { _id: { $gt: mid } }] },
    ] as Document[]) {
      await expectSameAsScan(filter, { _id: 1 }, 10);
      await expectSameAsScan(filter, { _id: -1 });
    }
  });

  (EMBEDDED ? it : it.skip)(
    'answers each pushed-down shape from an index, in _id order without a sort in Go',
    async () => {
      const mid = objectIds[120];
      const shapes: [Document, Document, string, boolean][] = [
        [{ _id: { $gt: mid } }, { _id: 1 }, '__id_', true],
        [{ _id: { $lt: mid } }, { _id: -1 }, '__id_', true],
        [{ userId: ALICE, _id: { $lt: mid } }, { _id: -1 }, '_userId_1__id_-1', true],
        [{ userId: ALICE }, { createdAt: -1 }, '_userId_1_', false],
        [{ userId: { $in: [ALICE, BOB] } }, { createdAt: -1 }, '_userId_1_', false],
        [{ sessionId: 's1' }, {}, '_sessionId_1', false],
        [{ _id: { $in: [objectIds[3], objectIds[70]] } }, {}, '__id_', false],
      ];
      for (const [filter, sort, index, sorted] of shapes) {
        const result = await explain(filter, sort, 10);
        const plan = (result.queryPlanner as { Plan: string[] }).Plan.join('\n');
        expect(plan).toContain(`USING INDEX ${items.collectionName}`);
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/SCAN /);
        expect(result).toMatchObject({ filterPushdown: true, sortPushdown: sorted });
      }
      // without an ObjectId range, _id order is not pushed down (mixed _id types)
      expect(await explain({}, { _id: 1 }, 10)).toMatchObject({ sortPushdown: false });
      expect(await explain({ userId: ALICE }, { _id: 1 }, 10)).toMatchObject({
        sortPushdown: false,
      });
    },
  );
});
