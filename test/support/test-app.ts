import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { Env, loadConfig } from '../../src/config/load-config';
import type { AppLogger } from '../../src/logging/app-logger';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * Every brute-force layer and request limit off: every test request comes from 127.0.0.1, so the
 * specs about the limits turn them on themselves, and the others are about everything else.
 */
export const LIMITS_OFF = {
  AUTH_RATE_LIMIT: '0',
  AUTH_IP_RATE_LIMIT: '0',
  ACCOUNT_LOCKOUT_THRESHOLD: '0',
  API_RATE_LIMIT: '0',
} as const;

/** A fresh database name on the run's shared server, so test files never see each other's data. */
export function testDatabaseUri(name = `e2e_${randomBytes(6).toString('hex')}`): string {
  const base = process.env.TEST_MONGODB_URI;
  if (base === undefined)
    throw new Error('TEST_MONGODB_URI is unset: run e2e tests through jest (global setup)');
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?[^?]*(\?.*)?$/.exec(base)!;
  return `${match[1]}/${name}${match[2] ?? ''}`;
}

/** A P-256 signing key for the apps of this test file that run with NODE_ENV=production. */
let productionKey: string | undefined;
function productionSigningKey(): string {
  productionKey ??= generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  return productionKey;
}

/** The real app on a real database, configured like production would be but with fast bcrypt. */
export async function createTestApp(
  env: Env = {},
  logger: AppLogger | false = false,
): Promise<TestApp> {
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      MONGODB_URI: testDatabaseUri(),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-e2e-app-')),
      // JWT_ALGORITHM defaults to ES256: a key is generated into this app's own DATA_DIR
      BCRYPT_COST: '4',
      ...LIMITS_OFF,
      // production generates no keys: it needs them, as a real deployment does
      ...(env.NODE_ENV === 'production' && {
        JWT_PRIVATE_KEY: productionSigningKey(),
        MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      }),
      ...env,
    },
    tmpdir(),
  );
  const app = await createApp(config, logger);
  try {
    await app.init();
  } catch (error) {
    // an app left half-started keeps its database connection, and Jest would never exit
    await app.close().catch(() => undefined);
    throw error;
  }
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    close: () => app.close(),
  };
}
