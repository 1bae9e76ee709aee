import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  Binary,
  BSONRegExp,
  Collection,
  Document,
  Double,
  Int32,
  Long,
  MongoClient,
  ObjectId,
  Timestamp,
  BSON,
} from 'mongodb';
import { preparePatchedSource } from '../../src/database/embedded-database';
import { testDatabaseUri } from '../support/test-app';

/** The FerretDB packages the patch changes, whose tests (upstream's and the patch's) must pass. */
const PATCHED_PACKAGES = [
  './internal/backends/sqlite/',
  './internal/backends/sqlite/metadata/',
  './internal/backends/sqlite/metadata/pool/',
  './internal/handler/',
  './internal/handler/common/',
  './internal/handler/sjson/',
  './internal/types/',
  './internal/util/fsql/',
];

/**
 * The decoding part of tools/ferretdb/sqlite-id-index.patch (a scanner instead of reflection, a
 * schema cache, no leak tracking in release builds, no copy without a projection): whatever is
 * stored comes back exactly as it went in, field order and BSON types included. Against MongoDB
 * (MONGODB_URI set) the same round trip holds and the Go tests are skipped (Go may be absent).
 */
const EMBEDDED = process.env.MONGODB_URI === undefined;

/** Canonical extended JSON keeps every BSON type apart (Int32 from Long from Double). */
const canonical = (doc: Document | null) => BSON.EJSON.stringify(doc, { relaxed: false });

/** Values whose text form has escapes, multi-byte characters, bounds or nesting. */
function awkwardDocument(): Document {
  return {
    _id: new ObjectId(),
    plain: 'bench42',
    empty: '',
    escapes: 'quote " backslash \\ newline \n tab \t nul \u0000 slash / del \u007f',
    unicode: 'é 日本 😀 \u2028 \u2029',
    markup: '<a href=\'x\'>&amp;</a> {"not": "json"} [1, 2]',
    looksLikeNumber: '0123',
    int32Max: new Int32(2147483647),
    int32Min: new Int32(-2147483648),
    zero: new Int32(0),
    longMax: Long.MAX_VALUE,
    longMin: Long.MIN_VALUE,
    double: new Double(1.5),
    wholeDouble: new Double(2),
    beforeEpoch: new Date(-1_234_567),
    farFuture: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
    yes: true,
    no: false,
    nothing: null,
    nested: { a: '}{"][', b: new Int32(-1), deeper: { c: [new Int32(1), 'x'] } },
    array: ['x', new Int32(1), { inside: true }, {}],
    binary: new Binary(Buffer.from([0, 1, 2, 255]), 0),
    regex: new BSONRegExp('^a.*"b"$', 'i'),
    timestamp: new Timestamp({ t: 1_700_000_000, i: 7 }),
    'ключ с пробелом': 'значение',
  };
}

let client: MongoClient;
let collection: Collection;

beforeAll(async () => {
  client = await MongoClient.connect(testDatabaseUri());
  collection = client.db().collection('decoding');
});

afterAll(async () => {
  await client?.db().dropDatabase();
  await client?.close();
});

describe('FerretDB decoding (tools/ferretdb/sqlite-id-index.patch)', () => {
  it('returns every stored value as it went in, by _id and in a page', async () => {
    const docs = Array.from({ length: 5 }, awkwardDocument);
    // documents of other shapes in between: the schema cache must not mix them up
    const others = docs.map((doc, i) => ({
      _id: new ObjectId(),
      only: `other ${i}`,
      n: new Int32(i),
    }));
    await collection.insertMany(docs.flatMap((doc, i) => [doc, others[i]]));

    const options = { promoteValues: false, promoteLongs: false } as const;
    for (const doc of docs) {
      expect(canonical(await collection.findOne({ _id: doc._id }, options))).toBe(canonical(doc));
    }
    const page = await collection.find({}, options).sort({ _id: 1 }).toArray();
    const expected = docs
      .flatMap((doc, i) => [doc, others[i]])
      .sort((a, b) =>
        (a._id as ObjectId).toHexString().localeCompare((b._id as ObjectId).toHexString()),
      );
    expect(page.map(canonical)).toEqual(expected.map(canonical));
  });

  it('applies a projection still, and returns the whole document without one', async () => {
    const doc = awkwardDocument();
    await collection.insertOne(doc);
    const options = { promoteValues: false, promoteLongs: false } as const;

    const projected = await collection.findOne(
      { _id: doc._id },
      { ...options, projection: { plain: 1, nested: 1 } },
    );
    expect(canonical(projected)).toBe(
      canonical({ _id: doc._id, plain: doc.plain, nested: doc.nested }),
    );
    const excluded = await collection.findOne(
      { _id: doc._id },
      { ...options, projection: { _id: 0 } },
    );
    const withoutId: Document = { ...doc };
    delete withoutId._id;
    expect(canonical(excluded)).toBe(canonical(withoutId));
  });

  (EMBEDDED ? it : it.skip)(
    "passes the Go tests of every package the patch changes: upstream's, and the patch's own (fast paths against the general ones, both sides of the key-map threshold, one writer at a time)",
    async () => {
      const source = mkdtempSync(join(tmpdir(), 'ferretdb-patch-'));
      try {
        await preparePatchedSource(source);
        // upstream's test helpers look for the repository root by its .git directory
        await promisify(execFile)('git', ['init', '-q'], { cwd: source });
        // the module zip lacks the version file `go generate` writes, without which upstream's
        // SQLite backend packages panic when their tests start; this copy is only tested
        writeFileSync(join(source, 'build', 'version', 'version.txt'), 'v1.24.2\n');
        const result = await promisify(execFile)('go', ['test', ...PATCHED_PACKAGES], {
          cwd: source,
          timeout: 240_000,
          env: { ...process.env, GOFLAGS: '-mod=mod' },
        }).catch((error: { stdout?: string; stderr?: string }) => error);
        const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
        for (const name of PATCHED_PACKAGES) {
          expect(output).toMatch(
            new RegExp(`^ok\\s+\\S+/${name.slice(2).replace(/\/$/, '')}\\s`, 'm'),
          );
        }
      } finally {
        rmSync(source, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
