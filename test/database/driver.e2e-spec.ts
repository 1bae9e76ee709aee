import type { CommandSucceededEvent } from 'mongodb';
import mongoose, { Schema, Types } from 'mongoose';
import { findOneById, findPage } from '../../src/database/driver';
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
