import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.embeddedDatabase?.stop();
  if (process.env.TEST_DATA_DIR !== undefined)
    rmSync(process.env.TEST_DATA_DIR, { recursive: true, force: true });
}
