import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseByteSize, parseDurationSeconds } from './duration';
import { ConfigError, Env, loadConfig } from './load-config';

const SECRET = 'a-secret-that-is-at-least-32-characters-long';

function load(env: Env) {
  const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
  return loadConfig({ JWT_ACCESS_SECRET: SECRET, ...env }, cwd);
}

function errorOf(env: Env): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('applies the contract defaults', () => {
    const config = load({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      mongodbUri: undefined,
      jwt: { accessTtlSeconds: 900 },
      refresh: { ttlSeconds: 7 * 86400, reuseGraceSeconds: 10, cookieName: 'refreshToken' },
      cookie: { secure: false, sameSite: 'strict' },
      bcryptCost: 12,
      freshLoginMaxAgeSeconds: 600,
      sessionCheckCacheSeconds: 5,
      securityEventsRetentionSeconds: 90 * 86400,
      authRateLimit: 10,
      apiRateLimit: 600,
      bodyLimitBytes: 16 * 1024,
      corsOrigins: [],
      admin: undefined,
      trustProxy: false,
    });
  });

  it.each([
    [{ BCRYPT_COST: '99' }, 'BCRYPT_COST'],
    [{ BCRYPT_COST: '3' }, 'BCRYPT_COST'],
    [{ COOKIE_SAMESITE: 'maybe' }, 'COOKIE_SAMESITE'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ JWT_ACCESS_TTL: '15 minutes' }, 'JWT_ACCESS_TTL'],
    [{ REFRESH_TOKEN_TTL: '0s' }, 'REFRESH_TOKEN_TTL'],
    [{ COOKIE_SECURE: 'perhaps' }, 'COOKIE_SECURE'],
    [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ JWT_ACCESS_SECRET: 'short' }, 'JWT_ACCESS_SECRET'],
    [{ ADMIN_USERNAME: 'a', ADMIN_PASSWORD: 'long enough password' }, 'ADMIN_USERNAME'],
    [{ REFRESH_COOKIE_NAME: 'bad name;' }, 'REFRESH_COOKIE_NAME'],
  ])('refuses %j with one line naming the variable', (env, variable) => {
    const message = errorOf(env);
    expect(message).toContain(variable);
    expect(message).not.toContain('\n');
  });

  it('refuses SameSite=None without Secure, which browsers would drop', () => {
    expect(errorOf({ COOKIE_SAMESITE: 'none' })).toContain('COOKIE_SECURE');
    expect(load({ COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'true' }).cookie).toEqual({
      sameSite: 'none',
      secure: true,
    });
  });

  it('requires JWT_ACCESS_SECRET in production and defaults Secure cookies there', () => {
    expect(errorOf({ NODE_ENV: 'production', JWT_ACCESS_SECRET: '' })).toContain(
      'JWT_ACCESS_SECRET',
    );
    expect(load({ NODE_ENV: 'production' }).cookie.secure).toBe(true);
  });

  it('generates a secret once outside production and keeps it in DATA_DIR', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
    const first = loadConfig({ DATA_DIR: 'data' }, cwd);
    const second = loadConfig({ DATA_DIR: 'data' }, cwd);
    expect(first.jwt.secret.length).toBeGreaterThanOrEqual(32);
    expect(second.jwt.secret).toBe(first.jwt.secret);
    expect(readFileSync(join(cwd, 'data', 'jwt-access-secret'), 'utf8')).toBe(first.jwt.secret);
  });

  it('reads .env, with the process environment taking precedence', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
    writeFileSync(join(cwd, '.env'), 'BCRYPT_COST=5\nPORT=4000\n');
    const config = loadConfig({ JWT_ACCESS_SECRET: SECRET, PORT: '5000' }, cwd);
    expect(config.bcryptCost).toBe(5);
    expect(config.port).toBe(5000);
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  it('needs both admin variables to seed an admin', () => {
    expect(load({ ADMIN_USERNAME: 'root' }).admin).toBeUndefined();
    expect(load({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long enough password' }).admin).toEqual({
      username: 'root',
      password: 'long enough password',
    });
  });

  it('splits CORS_ORIGINS', () => {
    expect(load({ CORS_ORIGINS: 'https://a.example, https://b.example,' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });
});

describe('durations and sizes', () => {
  it.each([
    ['90', 90],
    ['30s', 30],
    ['15m', 900],
    ['12h', 43200],
    ['7d', 604800],
    ['7w', undefined],
    ['-1s', undefined],
    ['', undefined],
  ])('parseDurationSeconds(%j) = %j', (input, expected) => {
    expect(parseDurationSeconds(input)).toBe(expected);
  });

  it.each([
    ['16kb', 16384],
    ['1mb', 1048576],
    ['512', 512],
    ['10gb', undefined],
  ])('parseByteSize(%j) = %j', (input, expected) => {
    expect(parseByteSize(input)).toBe(expected);
  });
});
