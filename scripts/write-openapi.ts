// Writes openapi.json from the code (`npm run openapi`). The e2e suite compares the served
// /api-docs-json with this file, so CI fails when it is stale.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../src/api-docs.setup';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/load-config';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openapi-'));
  // defaults only: the document must not depend on the local .env
  const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir }, dataDir);
  const app = await createApp(config, false);
  try {
    await app.init();
    const document = buildOpenApiDocument(app, config);
    writeFileSync(join(__dirname, '..', 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
