// Writes openapi.json from the built app (run `npm run build` first; `npm run openapi` does both).
// The e2e suite compares the served /api-docs-json with this file, so CI fails when it is stale.
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createApp } = require('../dist/app.factory');
const { buildOpenApiDocument } = require('../dist/api-docs.setup');
const { loadConfig } = require('../dist/config/load-config');

async function main() {
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
