import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../../src/database/embedded-database';

declare global {
  var embeddedDatabase: EmbeddedDatabase | undefined;
}

/**
 * One real FerretDB for the whole e2e run (each test file uses its own database in it), unless
 * MONGODB_URI points the tests at a MongoDB server.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI !== undefined) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-e2e-'));
  globalThis.embeddedDatabase = await EmbeddedDatabase.start(dataDir);
  process.env.TEST_MONGODB_URI = globalThis.embeddedDatabase.uri;
  process.env.TEST_DATA_DIR = dataDir;
}
