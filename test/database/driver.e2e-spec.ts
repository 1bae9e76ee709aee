import type { CommandSucceededEvent } from 'mongodb';
import mongoose, { Schema, Types } from 'mongoose';
import { findOneById, findPage, insertOnce } from '../../src/database/driver';
import { monitoredDatabaseUri } from '../support/database-commands';

describe('driver reads', () => {
  const ITEMS = 250;
  let connection: mongoose.Connection;
  let items: mongoose.Model<{ n: number }>;
  let ids: Types.ObjectId[];
  const replies: CommandSucceededEvent[] = [];

  beforeAll(async () => {
    connection = await mongoose.createConnection(monitoredDatabaseUri()).asPromise();
    items = connection.model(
      'Item',
      new Schema<{ n: number }>({ n: Number }, { collection: 'items' }),
    );
    ids = Array.from({ length: ITEMS }, () => new Types.ObjectId()).sort((a, b) =>
      a.toHexString().localeCompare(b.toHexString()),
    );
    await items.collection.insertMany(ids.map((_id, n) => ({ _id, n, hidden: 'x' })));
    connection.getClient().on('commandSucceeded', (event) => replies.push(event));
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const SMALLEST = new Types.ObjectId('000000000000000000000000');
  const pages: [string, () => Record<string, Types.ObjectId>, number][] = [
    ['the first page', () => ({ $gte: SMALLEST }), 100],
    ['a page in the middle', () => ({ $gt: ids[120] }), 100],
    ['a page longer than what is left', () => ({ $gt: ids[120] }), 200],
    ['a page of more than one default batch (101)', () => ({ $gte: SMALLEST }), 1000],
    ['a page after the last item', () => ({ $gt: ids[ITEMS - 1] }), 100],
  ];

  it.each(pages)(
    'reads %s as mongoose does, in one round trip that leaves no cursor open',
    async (_name, range, limit) => {
      const idRange = range();
      const expected = await items
        .find({ _id: mongoose.trusted(idRange) }, { n: 1 })
        .sort({ _id: 1 })
        .limit(limit)
        .lean()
        .exec();
      replies.length = 0;
      const page = await findPage(items, {
        filter: { _id: idRange },
        projection: { n: 1 },
        sort: { _id: 1 },
        limit,
      });
      expect(page).toEqual(expected);
      expect(replies.map((reply) => reply.commandName)).toEqual(['find']);
      const cursor = (replies[0].reply as { cursor: { id: unknown } }).cursor;
      expect(Number(cursor.id)).toBe(0);
    },
  );

  it('coalesces concurrent reads by _id into few commands, each caller getting its own document', async () => {
    const named = connection.collection<{ _id: string; n: number }>('named-many');
    await named.insertOne({ _id: ids[3].toHexString(), n: -3 });
    const namedModel = connection.model(
      'NamedMany',
      new Schema({ _id: String, n: Number }),
      'named-many',
    );
    const wanted = [...ids.slice(0, 60), ids[5], ids[5], new Types.ObjectId()];
    replies.length = 0;
    const [found, byName] = await Promise.all([
      Promise.all(wanted.map((id) => findOneById<{ _id: Types.ObjectId; n: number }>(items, id))),
      findOneById<{ _id: string; n: number }>(namedModel, ids[3].toHexString()),
    ]);
    expect(found.slice(0, 60)).toEqual(ids.slice(0, 60).map((_id, n) => ({ _id, n, hidden: 'x' })));
    expect(found[60]).toEqual({ _id: ids[5], n: 5, hidden: 'x' });
    expect(found[61]).toEqual(found[60]);
    // the same id asked twice: two documents, so that one caller's changes stay its own
    expect(found[61]).not.toBe(found[60]);
    expect(found[62]).toBeNull();
    // an ObjectId and the string of its hex are different ids
    expect(byName).toEqual({ _id: ids[3].toHexString(), n: -3 });
    const finds = replies.filter((reply) => reply.commandName === 'find');
    expect(finds.length).toBeLessThanOrEqual(4);
  });

  it('reads one document by _id, ObjectId or string, with or without a projection', async () => {
    const named = connection.collection<{ _id: string; n: number }>('named');
    await named.insertOne({ _id: 'ada', n: 1 });
    expect(await findOneById(items, ids[7], { n: 1 })).toEqual({ _id: ids[7], n: 7 });
    expect(await findOneById(items, ids[7])).toEqual({ _id: ids[7], n: 7, hidden: 'x' });
    expect(await findOneById(items, new Types.ObjectId())).toBeNull();
    const namedModel = connection.model('Named', new Schema({ _id: String, n: Number }), 'named');
    expect(await findOneById(namedModel, 'ada')).toEqual({ _id: 'ada', n: 1 });
    expect(await findOneById(namedModel, 'ADA')).toBeNull();
  });
});

describe('driver inserts', () => {
  let connection: mongoose.Connection;
  let claims: mongoose.Model<{ _id: string }>;
  const inserts: number[] = [];

  beforeAll(async () => {
    connection = await mongoose.createConnection(monitoredDatabaseUri()).asPromise();
    claims = connection.model(
      'Claim',
      new Schema<{ _id: string }>({ _id: String }, { collection: 'claims' }),
    );
    // mongoose creates the collection: waited for, so that no insert below is the creation
    await claims.init();
    connection.getClient().on('commandStarted', (event) => {
      if (event.commandName === 'insert')
        inserts.push((event.command.documents as unknown[]).length);
    });
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });
  beforeEach(() => (inserts.length = 0));

  it('batches concurrent inserts, and each _id is stored by exactly one of its racers', async () => {
    const ids = Array.from({ length: 40 }, (_, n) => `race-${n}`);
    const racers = [...ids, ...ids, ...ids].map((_id) => ({ _id }));
    const stored = await Promise.all(racers.map((doc) => insertOnce(claims, { ...doc })));
    for (const _id of ids)
      expect(stored.filter((won, index) => won && racers[index]._id === _id)).toHaveLength(1);
    expect(await claims.countDocuments()).toBe(ids.length);
    // asked for in one turn of the event loop: one command
    expect(inserts).toEqual([racers.length]);
  });

  it('sends the inserts that arrive while a batch is in flight together, after it', async () => {
    const first = insertOnce(claims, { _id: 'in-flight' });
    // the first batch leaves at the end of this turn; these come in later turns, before its reply
    await new Promise((done) => setImmediate(done));
    const later: Promise<boolean>[] = [];
    for (let n = 0; n < 5; n++) {
      later.push(insertOnce(claims, { _id: `later-${n}` }));
      await new Promise((done) => setImmediate(done));
    }
    expect(await Promise.all([first, ...later])).toEqual(Array(6).fill(true));
    expect(inserts[0]).toBe(1);
    expect(inserts.reduce((sum, n) => sum + n, 0)).toBe(6);
    expect(inserts.length).toBeLessThan(6);
  });

  it('sends an insert alone when nothing else is in flight', async () => {
    expect(await insertOnce(claims, { _id: 'alone' })).toBe(true);
    expect(await insertOnce(claims, { _id: 'alone' })).toBe(false);
    expect(inserts).toEqual([1, 1]);
  });

  it('gives a document the server refuses its own error, and stores the rest of its batch', async () => {
    const first = insertOnce(claims, { _id: 'before-the-batch' });
    const refused = insertOnce(claims, { _id: ['an array is no _id'] });
    const others = ['ok-1', 'ok-2'].map((_id) => insertOnce(claims, { _id }));
    await expect(refused).rejects.toThrow();
    expect(await Promise.all([first, ...others])).toEqual([true, true, true]);
    expect(
      await connection
        .collection<{ _id: string }>('claims')
        .countDocuments({ _id: { $in: ['ok-1', 'ok-2'] } }),
    ).toBe(2);
    expect(inserts).toEqual([4]);
  });
});

describe('driver commands the server refuses whole', () => {
  let connection: mongoose.Connection;
  let misnamed: mongoose.Model<{ _id: string }>;

  beforeAll(async () => {
    connection = await mongoose.createConnection(monitoredDatabaseUri()).asPromise();
    // a name the server refuses: every command on it fails as a whole, naming no document
    misnamed = connection.model(
      'Misnamed',
      new Schema<{ _id: string }>({ _id: String }, { collection: 'no$such' }),
    );
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('gives every caller of a batch the error', async () => {
    const inserts = ['a', 'b', 'c'].map((_id) => insertOnce(misnamed, { _id }));
    const reads = ['a', 'b', 'c'].map((id) => findOneById(misnamed, id));
    for (const settled of await Promise.allSettled([...inserts, ...reads]))
      expect(settled).toMatchObject({ status: 'rejected', reason: expect.any(Error) });
  });
});
