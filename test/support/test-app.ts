import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { Env, loadConfig } from '../../src/config/load-config';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  http: TestAgent;
  close(): Promise<void>;
}

/** A fresh database name on the run's shared server, so test files never see each other's data. */
export function testDatabaseUri(name = `e2e_${randomBytes(6).toString('hex')}`): string {
  const base = process.env.TEST_MONGODB_URI;
  if (base === undefined) throw new Error('TEST_MONGODB_URI is unset: run e2e tests through jest (global setup)');
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?[^?]*(\?.*)?$/.exec(base)!;
  return `${match[1]}/${name}${match[2] ?? ''}`;
}

/** The real app on a real database, configured like production would be but with fast bcrypt. */
export async function createTestApp(env: Env = {}): Promise<TestApp> {
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      MONGODB_URI: testDatabaseUri(),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-e2e-app-')),
      JWT_ACCESS_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
      BCRYPT_COST: '4',
      ...env,
    },
    tmpdir(),
  );
  const app = await createApp(config, false);
  await app.init();
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    close: () => app.close(),
  };
}
