/**
 * The `storage` rows of `npm run bench`: one user's sessions and refresh tokens after a simulated
 * year of refreshes every 15 minutes (signing in again whenever SESSION_MAX_LIFETIME ends a
 * session), through the real SessionStore on the bench's FerretDB, with the clean-up running
 * every CLEANUP_INTERVAL of simulated time or not at all. Run as
 * `node -r ./scripts/register-ts-nest.js bench/storage-worker.ts '<json task>'`; prints one JSON line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getConnectionToken } from '@nestjs/mongoose';
import { BSON } from 'mongodb';
import { Types, type Connection } from 'mongoose';
import { createApp } from '../src/app.factory';
import { AuthMethod, Role } from '../src/common/auth-user';
import { loadConfig } from '../src/config/load-config';
import { Cleanup } from '../src/database/cleanup';
import { Clock } from '../src/database/clock';
import { SessionStore } from '../src/sessions/store/session-store';
import { UsersService } from '../src/users/users.service';

export interface StorageTask {
  mongoUri: string;
  database: string;
  cleanup: boolean;
  days: number;
}

export interface StorageResult {
  refreshes: number;
  signIns: number;
  documents: number;
  bytes: number;
  byCollection: Record<string, { documents: number; bytes: number }>;
}

const REFRESH_EVERY_MS = 15 * 60_000;
const COLLECTIONS = ['sessions', 'session_activity', 'refresh_tokens'];
const client = { ip: '127.0.0.1', userAgent: 'bench' };

async function run(task: StorageTask): Promise<StorageResult> {
  const base = /^(mongodb:\/\/[^/?]+)/.exec(task.mongoUri)![1];
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      MONGODB_URI: `${base}/${task.database}`,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-storage-')),
      BCRYPT_COST: '4',
      API_RATE_LIMIT: '0',
      AUTH_RATE_LIMIT: '0',
      AUTH_IP_RATE_LIMIT: '0',
      ACCOUNT_LOCKOUT_THRESHOLD: '0',
      // a clean-up every 6 simulated hours: every 10 minutes would be 50,000 runs in the year
      CLEANUP_INTERVAL: '6h',
    },
    tmpdir(),
  );
  const app = await createApp(config, false);
  await app.init();
  try {
    const db = app.get<Connection>(getConnectionToken());
    await db.dropDatabase();
    const clock = app.get(Clock);
    const cleanup = app.get(Cleanup);
    const store = app.get(SessionStore);
    const created = await app
      .get(UsersService)
      .create('storage.user', 'storage-password', Role.USER);
    const user = { id: new Types.ObjectId(created.id), credentialVersion: 0 };
    const open = async () => {
      const opened = await store.open(user, [AuthMethod.PASSWORD], client);
      if (opened.kind !== 'opened') throw new Error(`the session was refused: ${opened.kind}`);
      return opened.session.refreshToken.token;
    };
    let token = await open();
    let signIns = 1;
    let refreshes = 0;
    const cleanupEveryMs = config.cleanupIntervalSeconds * 1000;
    let sinceCleanupMs = 0;
    const end = clock.now().getTime() + task.days * 24 * 3600_000;
    while (clock.now().getTime() < end) {
      clock.advance(REFRESH_EVERY_MS);
      const outcome = await store.rotate(token, client);
      refreshes += 1;
      if (outcome.kind === 'rotated') token = outcome.refreshToken.token;
      else {
        token = await open();
        signIns += 1;
      }
      sinceCleanupMs += REFRESH_EVERY_MS;
      if (task.cleanup && sinceCleanupMs >= cleanupEveryMs) {
        sinceCleanupMs = 0;
        await cleanup.runOnce();
      }
    }
    const byCollection: StorageResult['byCollection'] = {};
    for (const name of COLLECTIONS) {
      const docs = await db.collection(name).find().toArray();
      byCollection[name] = {
        documents: docs.length,
        bytes: docs.reduce((sum, doc) => sum + BSON.calculateObjectSize(doc), 0),
      };
    }
    await db.dropDatabase();
    const totals = Object.values(byCollection);
    return {
      refreshes,
      signIns,
      documents: totals.reduce((sum, each) => sum + each.documents, 0),
      bytes: totals.reduce((sum, each) => sum + each.bytes, 0),
      byCollection,
    };
  } finally {
    await app.close();
  }
}

run(JSON.parse(process.argv[2]) as StorageTask)
  .then((result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
