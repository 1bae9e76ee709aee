import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';
import type { AppConfig } from '../../src/config/app-config';
import { Cleanup } from '../../src/database/cleanup';
import { Clock } from '../../src/database/clock';
import { MongoThrottlerStorage } from '../../src/rate-limit/mongo-throttler.storage';
import {
  RateLimitClaimDocument,
  RateLimitClaimSchema,
} from '../../src/rate-limit/rate-limit-claim.schema';
import { RateLimitClaimsRepository } from '../../src/rate-limit/rate-limit-claims.repository';
import { monitoredDatabaseUri } from '../support/database-commands';

const MINUTE = 60_000;
/** A minute boundary of the storage's clock, which these tests move by hand. */
const BOUNDARY = Date.UTC(2030, 0, 1, 12, 0);
const config = {
  apiRateLimit: 1,
  authRateLimit: 0,
  authIpRateLimit: 0,
  cleanupIntervalSeconds: 600,
} as AppConfig;

describe(`${MongoThrottlerStorage.name} on the real database`, () => {
  let connection: mongoose.Connection;
  let claims: mongoose.Model<RateLimitClaimDocument>;
  let keyCounter = 0;
  /** A key of its own for each test, so tests sharing the collection never share a budget. */
  const newKey = () => `api:test-${++keyCounter}`;

  beforeAll(async () => {
    connection = await mongoose.createConnection(monitoredDatabaseUri()).asPromise();
    claims = connection.model(RateLimitClaimDocument.name, RateLimitClaimSchema);
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  /** One app instance's storage (its own memory, the shared collection), with its own clock. */
  function instance(at = BOUNDARY, collection = claims) {
    const cleanup = new Cleanup(new Clock(), config);
    const storage = new MongoThrottlerStorage(new RateLimitClaimsRepository(collection), cleanup);
    storage.onModuleInit();
    const clock = { at };
    jest.spyOn(storage, 'now').mockImplementation(() => clock.at);
    const hit = (key: string, limit: number) => storage.increment(key, MINUTE, limit);
    return { storage, cleanup, clock, hit };
  }

  const allowedOf = (records: { isBlocked: boolean }[]) =>
    records.filter((record) => !record.isBlocked).length;

  it('allows exactly `limit` requests of a burst, and the next once the oldest is a minute old', async () => {
    const { clock, hit } = instance(BOUNDARY + 15_000);
    const key = newKey();
    const burst = await Promise.all(Array.from({ length: 8 }, () => hit(key, 5)));
    expect(allowedOf(burst)).toBe(5);
    expect(burst[7]).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });

    clock.at = BOUNDARY + 15_000 + MINUTE - 1;
    expect(await hit(key, 5)).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    clock.at = BOUNDARY + 15_000 + MINUTE;
    expect((await hit(key, 5)).isBlocked).toBe(false);
    expect((await hit(newKey(), 5)).isBlocked).toBe(false);
  });

  it('refuses a burst across a minute boundary (fixed windows let twice the limit through)', async () => {
    const { clock, hit } = instance(BOUNDARY - 2_000);
    const key = newKey();
    for (let i = 0; i < 10; i++) expect((await hit(key, 10)).isBlocked).toBe(false);

    clock.at = BOUNDARY + 1_000;
    const acrossTheEdge = await Promise.all(Array.from({ length: 10 }, () => hit(key, 10)));
    expect(allowedOf(acrossTheEdge)).toBe(0);
    expect(acrossTheEdge[0].timeToBlockExpire).toBe(57);

    clock.at = BOUNDARY - 2_000 + MINUTE;
    const aMinuteLater = await Promise.all(Array.from({ length: 12 }, () => hit(key, 10)));
    expect(allowedOf(aMinuteLater)).toBe(10);
  });

  it('admits exactly what a sliding log of the last minute admits, whatever the request times', async () => {
    const { clock, hit } = instance();
    const key = newKey();
    const limit = 7;
    // a fixed pseudo-random sequence: bursts and pauses around the rate the limit allows
    let seed = 20_250_601;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const admitted: number[] = [];
    const decisions: [number, boolean, boolean][] = [];
    clock.at = BOUNDARY - 90_000;
    for (let request = 0; request < 240; request++) {
      clock.at += random() < 0.3 ? Math.floor(random() * 25_000) : Math.floor(random() * 2_000);
      const expected = admitted.filter((time) => time > clock.at - MINUTE).length < limit;
      const allowed = !(await hit(key, limit)).isBlocked;
      if (allowed) admitted.push(clock.at);
      decisions.push([clock.at, expected, allowed]);
    }
    expect(decisions.filter(([, expected, allowed]) => expected !== allowed)).toEqual([]);
    // the sequence reaches the limit often, on both sides of minute boundaries
    expect(decisions.filter(([, expected]) => !expected).length).toBeGreaterThan(40);
  });

  it('never lets two instances together exceed the limit, within a minute or across its boundary', async () => {
    const first = instance(BOUNDARY - 1_000);
    const second = instance(BOUNDARY - 1_000);
    const key = newKey();
    const burst = () =>
      Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? first : second).hit(key, 25)),
      );

    expect(allowedOf(await burst())).toBe(25);
    first.clock.at = second.clock.at = BOUNDARY + 1_000;
    expect(allowedOf(await burst())).toBe(0);
    first.clock.at = second.clock.at = BOUNDARY - 1_000 + MINUTE;
    expect(allowedOf(await burst())).toBe(25);
    // a third instance knows nothing yet, and finds the key spent in the database
    expect((await instance(BOUNDARY - 500 + MINUTE).hit(key, 25)).isBlocked).toBe(true);
  });

  it('stays within the limit when two instances straddle a boundary at once', async () => {
    const late = instance(BOUNDARY - 500);
    const early = instance(BOUNDARY + 500);
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? late : early).hit(key, 25)),
    );
    expect(allowedOf(answers)).toBeLessThanOrEqual(25);
    expect(allowedOf(answers)).toBeGreaterThan(0);
    late.clock.at = early.clock.at = BOUNDARY + 30_000;
    const later = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? late : early).hit(key, 25)),
    );
    expect(allowedOf(answers) + allowedOf(later)).toBeLessThanOrEqual(25);
  });

  it('sends the claims of one request in one insert, and refuses a spent key without the database', async () => {
    const { hit } = instance(BOUNDARY + 5_000);
    const [pair, ip] = [newKey(), newKey()];
    const commands = await commandsDuring(() => Promise.all([hit(pair, 2), hit(ip, 2)]));
    expect(commands).toEqual(['insert']);
    expect(await commandsDuring(() => Promise.all([hit(pair, 2), hit(ip, 2)]))).toEqual(['insert']);
    let refused: { isBlocked: boolean } | undefined;
    expect(
      await commandsDuring(async () => {
        refused = await hit(pair, 2);
      }),
    ).toEqual([]);
    expect(refused?.isBlocked).toBe(true);
  });

  it('deletes claims once the next minute is over, and keeps those that still count', async () => {
    const own = connection.model('CleanupClaims', RateLimitClaimSchema, 'cleanup_claims');
    const { cleanup, clock, hit } = instance(BOUNDARY + 10_000, own);
    const [old, live] = [newKey(), newKey()];
    // a claim in the minute from BOUNDARY, and the seal of the minute before
    await hit(old, 3);
    // three claims three minutes later, and their seal of the minute before
    clock.at = BOUNDARY + 3 * MINUTE + 10_000;
    for (let i = 0; i < 3; i++) await hit(live, 3);
    expect(await own.countDocuments()).toBe(6);

    // the old seal served the minute from BOUNDARY, the old claim the minute after (plus one)
    await cleanup.runOnce(new Date(BOUNDARY + 2 * MINUTE + 1_000));
    expect(await own.countDocuments()).toBe(5);
    await cleanup.runOnce(new Date(BOUNDARY + 3 * MINUTE + 1_000));
    expect(await own.countDocuments()).toBe(4);
    // what was kept still counts: the live key stays spent for a fresh instance
    const fresh = instance(BOUNDARY + 3 * MINUTE + 20_000, own);
    expect((await fresh.hit(live, 3)).isBlocked).toBe(true);
    expect((await fresh.hit(old, 3)).isBlocked).toBe(false);
  });

  /** The commands the test connection sends while `run` runs. */
  async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const commands: string[] = [];
    const record = (event: CommandStartedEvent) => commands.push(event.commandName);
    connection.getClient().on('commandStarted', record);
    try {
      await run();
    } finally {
      connection.getClient().off('commandStarted', record);
    }
    return commands;
  }
});
