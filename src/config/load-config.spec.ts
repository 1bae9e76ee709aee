import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseByteSize, parseDurationSeconds } from './duration';
import { ENV_EXAMPLE_SECRET } from './jwt-keys';
import { ConfigError, Env, loadConfig } from './load-config';

const SECRET = 'a-secret-that-is-at-least-32-characters-long';
const MFA_KEY = randomBytes(32).toString('base64');

function load(env: Env) {
  const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
  return loadConfig({ JWT_ACCESS_SECRET: SECRET, ...env }, cwd);
}

type Curve = 'prime256v1' | 'secp384r1';
function ecKeyPem(namedCurve: Curve = 'prime256v1'): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}
const rsaPem = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
const ed25519PublicPem = () =>
  generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }) as string;

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
      jwt: { accessTtlSeconds: 900, keys: expect.objectContaining({ algorithm: 'ES256' }) },
      refresh: { ttlSeconds: 7 * 86400, reuseGraceSeconds: 10, cookieName: 'refreshToken' },
      cookie: { secure: false, sameSite: 'strict' },
      bcryptCost: 12,
      freshLoginMaxAgeSeconds: 600,
      sessionCheckCacheSeconds: 5,
      sessionMaxLifetimeSeconds: 30 * 86400,
      securityEventsRetentionSeconds: 90 * 86400,
      authRateLimit: 10,
      authIpRateLimit: 60,
      accountLockout: { threshold: 5, baseSeconds: 30 },
      apiRateLimit: 600,
      bodyLimitBytes: 16 * 1024,
      corsOrigins: [],
      admin: undefined,
      trustProxy: false,
      logFormat: 'pretty',
    });
  });

  it('logs JSON everywhere but development, and takes LOG_FORMAT when set', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_PRIVATE_KEY: ecKeyPem().privatePem,
      MFA_ENCRYPTION_KEY: MFA_KEY,
    };
    expect(load(production).logFormat).toBe('json');
    expect(load({ NODE_ENV: 'test' }).logFormat).toBe('json');
    expect(load({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(load({ ...production, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it.each([
    [{ BCRYPT_COST: '99' }, 'BCRYPT_COST'],
    [{ BCRYPT_COST: '3' }, 'BCRYPT_COST'],
    [{ COOKIE_SAMESITE: 'maybe' }, 'COOKIE_SAMESITE'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ JWT_ACCESS_TTL: '15 minutes' }, 'JWT_ACCESS_TTL'],
    [{ REFRESH_TOKEN_TTL: '0s' }, 'REFRESH_TOKEN_TTL'],
    [{ SESSION_MAX_LIFETIME: 'forever' }, 'SESSION_MAX_LIFETIME'],
    [{ COOKIE_SECURE: 'perhaps' }, 'COOKIE_SECURE'],
    [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ JWT_ACCESS_SECRET: 'short' }, 'JWT_ACCESS_SECRET'],
    [{ ADMIN_USERNAME: 'a', ADMIN_PASSWORD: 'long enough password' }, 'ADMIN_USERNAME'],
    [{ REFRESH_COOKIE_NAME: 'bad name;' }, 'REFRESH_COOKIE_NAME'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '0' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '11' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'loopback, 10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'proxy.example' }, 'TRUST_PROXY'],
    [{ ACCOUNT_LOCKOUT_BASE_SECONDS: '901' }, 'ACCOUNT_LOCKOUT_BASE_SECONDS'],
    [{ AUTH_IP_RATE_LIMIT: '-1' }, 'AUTH_IP_RATE_LIMIT'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT'],
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

  it('defaults Secure cookies in production', () => {
    expect(
      load({
        NODE_ENV: 'production',
        JWT_PRIVATE_KEY: ecKeyPem().privatePem,
        MFA_ENCRYPTION_KEY: MFA_KEY,
      }).cookie.secure,
    ).toBe(true);
  });

  describe('signing keys', () => {
    const production = { NODE_ENV: 'production', MFA_ENCRYPTION_KEY: MFA_KEY };
    const oneLine = (message: string) => {
      expect(message).not.toContain('\n');
      expect(message).not.toContain('BEGIN');
      return message;
    };

    it('defaults to ES256 and generates a P-256 key once outside production, mode 0600 in DATA_DIR', () => {
      const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
      const first = loadConfig({ DATA_DIR: 'data' }, cwd).jwt.keys;
      const second = loadConfig({ DATA_DIR: 'data' }, cwd).jwt.keys;
      expect(first.algorithm).toBe('ES256');
      expect(first.signingKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(second.signingKeyId).toBe(first.signingKeyId);
      const file = join(cwd, 'data', 'jwt-es256-private-key.pem');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(createPublicKey(readFileSync(file, 'utf8')).export({ format: 'jwk' })).toEqual(
        createPublicKey(first.signingKey).export({ format: 'jwk' }),
      );
      expect(existsSync(join(cwd, 'data', 'jwt-access-secret'))).toBe(false);
    });

    it('generates an HS256 secret once outside production, mode 0600 in DATA_DIR', () => {
      const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
      const env = { DATA_DIR: 'data', JWT_ALGORITHM: 'HS256' };
      const first = loadConfig(env, cwd).jwt.keys;
      const second = loadConfig(env, cwd).jwt.keys;
      expect(first.algorithm).toBe('HS256');
      const file = join(cwd, 'data', 'jwt-access-secret');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = Buffer.from(readFileSync(file, 'utf8'));
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(first.signingKey.export()).toEqual(secret);
      expect(second.signingKey.export()).toEqual(secret);
      expect(first.jwks).toEqual({ keys: [] });
    });

    it('stops production with ES256 and no JWT_PRIVATE_KEY, in one line naming it', () => {
      expect(oneLine(errorOf({ ...production, JWT_ACCESS_SECRET: '' }))).toContain(
        'JWT_PRIVATE_KEY is required in production',
      );
    });

    it('stops production with HS256 and no JWT_ACCESS_SECRET, in one line naming it', () => {
      expect(
        oneLine(errorOf({ ...production, JWT_ALGORITHM: 'HS256', JWT_ACCESS_SECRET: '' })),
      ).toContain('JWT_ACCESS_SECRET is required in production');
    });

    it('refuses a secret under 32 bytes, counting bytes, not characters', () => {
      const env = { ...production, JWT_ALGORITHM: 'HS256' };
      expect(oneLine(errorOf({ ...env, JWT_ACCESS_SECRET: 'x'.repeat(31) }))).toContain(
        'JWT_ACCESS_SECRET must be at least 32 bytes',
      );
      expect(load({ ...env, JWT_ACCESS_SECRET: 'x'.repeat(32) }).jwt.keys.algorithm).toBe('HS256');
      // 11 three-byte characters: 33 bytes
      expect(load({ ...env, JWT_ACCESS_SECRET: '€'.repeat(11) }).jwt.keys.algorithm).toBe('HS256');
    });

    it('refuses the .env.example placeholder secret in production', () => {
      const example = readFileSync(resolve(__dirname, '../../.env.example'), 'utf8');
      expect(example).toContain(`JWT_ACCESS_SECRET=${ENV_EXAMPLE_SECRET}\n`);
      const env = { JWT_ALGORITHM: 'HS256', JWT_ACCESS_SECRET: ENV_EXAMPLE_SECRET };
      expect(oneLine(errorOf({ ...production, ...env }))).toContain(
        'JWT_ACCESS_SECRET is the .env.example placeholder',
      );
      expect(load(env).jwt.keys.algorithm).toBe('HS256');
    });

    it.each([
      ['an RSA key', rsaPem],
      ['a P-384 key', () => ecKeyPem('secp384r1').privatePem],
    ])('refuses %s as JWT_PRIVATE_KEY in one line', (_what, makePem) => {
      expect(oneLine(errorOf({ JWT_PRIVATE_KEY: makePem() }))).toMatch(
        /^JWT_PRIVATE_KEY must be an EC P-256 key for ES256, got (rsa|EC secp384r1)$/,
      );
    });

    it.each([
      ['text', 'not a key'],
      ['a public key', ecKeyPem().publicPem],
    ])('refuses %s as JWT_PRIVATE_KEY in one line', (_what, value) => {
      expect(oneLine(errorOf({ JWT_PRIVATE_KEY: value }))).toMatch(
        /^JWT_PRIVATE_KEY is not an unencrypted PEM private key/,
      );
    });

    it('takes PEMs with \\n escapes, as .env files and container settings carry them', () => {
      const current = ecKeyPem();
      const previous = ecKeyPem();
      const keys = load({
        JWT_PRIVATE_KEY: current.privatePem.replace(/\n/g, '\\n'),
        JWT_PREVIOUS_PUBLIC_KEYS: previous.publicPem.replace(/\n/g, '\\n'),
      }).jwt.keys;
      expect(keys.jwks.keys).toHaveLength(2);
    });

    it('accepts several previous keys as concatenated PEM blocks, each under its own kid', () => {
      const previous = [ecKeyPem(), ecKeyPem(), ecKeyPem()];
      const keys = load({
        JWT_PRIVATE_KEY: ecKeyPem().privatePem,
        JWT_PREVIOUS_PUBLIC_KEYS: previous.map((key) => key.publicPem).join('\n'),
      }).jwt.keys;
      expect(keys.jwks.keys).toHaveLength(4);
      expect(keys.verificationKeys.size).toBe(4);
      expect(keys.jwks.keys[0].kid).toBe(keys.signingKeyId);
      for (const jwk of keys.jwks.keys) {
        expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      }
    });

    it.each([
      ['text', () => 'garbage'],
      ['a damaged block', () => ecKeyPem().publicPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!')],
      ['text between blocks', () => `${ecKeyPem().publicPem}junk\n${ecKeyPem().publicPem}`],
      ['an Ed25519 key', ed25519PublicPem],
      ['a P-384 key', () => ecKeyPem('secp384r1').publicPem],
    ])('refuses %s in JWT_PREVIOUS_PUBLIC_KEYS in one line', (_what, makeValue) => {
      expect(oneLine(errorOf({ JWT_PREVIOUS_PUBLIC_KEYS: makeValue() }))).toMatch(
        /^JWT_PREVIOUS_PUBLIC_KEYS /,
      );
    });

    it('refuses previous public keys with HS256, which accepts no other key', () => {
      expect(
        oneLine(
          errorOf({ JWT_ALGORITHM: 'HS256', JWT_PREVIOUS_PUBLIC_KEYS: ecKeyPem().publicPem }),
        ),
      ).toContain('JWT_PREVIOUS_PUBLIC_KEYS applies only with JWT_ALGORITHM=ES256');
    });

    it('refuses an unknown JWT_ALGORITHM and takes the names in any case', () => {
      expect(oneLine(errorOf({ JWT_ALGORITHM: 'RS256' }))).toContain('JWT_ALGORITHM');
      expect(oneLine(errorOf({ JWT_ALGORITHM: 'none' }))).toContain('JWT_ALGORITHM');
      expect(load({ JWT_ALGORITHM: 'hs256' }).jwt.keys.algorithm).toBe('HS256');
    });
  });

  it('reads .env, with the process environment taking precedence', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
    writeFileSync(join(cwd, '.env'), 'BCRYPT_COST=5\nPORT=4000\n');
    const config = loadConfig(
      {
        JWT_PRIVATE_KEY: ecKeyPem().privatePem,
        JWT_ACCESS_SECRET: SECRET,
        MFA_ENCRYPTION_KEY: MFA_KEY,
        PORT: '5000',
      },
      cwd,
    );
    expect(config.bcryptCost).toBe(5);
    expect(config.port).toBe(5000);
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  describe('MFA_ENCRYPTION_KEY', () => {
    it('generates a 32-byte key once outside production, mode 0600 in DATA_DIR', () => {
      const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
      const first = loadConfig({ DATA_DIR: 'data' }, cwd).mfaEncryptionKey;
      const second = loadConfig({ DATA_DIR: 'data' }, cwd).mfaEncryptionKey;
      expect(first).toHaveLength(32);
      expect(second).toEqual(first);
      const file = join(cwd, 'data', 'mfa-encryption-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toEqual(first);
    });

    it('takes 32 bytes in hex, base64 or base64url', () => {
      const key = randomBytes(32);
      for (const encoded of [
        key.toString('hex'),
        key.toString('base64'),
        key.toString('base64url'),
        ` ${key.toString('hex').toUpperCase()}\n`,
      ])
        expect(load({ MFA_ENCRYPTION_KEY: encoded }).mfaEncryptionKey).toEqual(key);
    });

    it.each([
      ['16 bytes', randomBytes(16).toString('base64')],
      ['33 bytes', randomBytes(33).toString('hex')],
      ['a passphrase', 'correct horse battery staple, but not a key'],
    ])('refuses %s in one line naming it, without repeating the value', (_what, value) => {
      const message = errorOf({ MFA_ENCRYPTION_KEY: value });
      expect(message).toBe(
        'MFA_ENCRYPTION_KEY must be 32 bytes, base64 or hex (openssl rand -base64 32)',
      );
    });

    it('is required in production', () => {
      const production = { NODE_ENV: 'production', JWT_PRIVATE_KEY: ecKeyPem().privatePem };
      expect(errorOf(production)).toMatch(/^MFA_ENCRYPTION_KEY is required in production/);
      expect(load({ ...production, MFA_ENCRYPTION_KEY: MFA_KEY }).mfaEncryptionKey).toEqual(
        Buffer.from(MFA_KEY, 'base64'),
      );
    });

    it('names a damaged generated key file', () => {
      const cwd = mkdtempSync(join(tmpdir(), 'config-spec-'));
      loadConfig({ DATA_DIR: 'data' }, cwd);
      writeFileSync(join(cwd, 'data', 'mfa-encryption-key'), 'damaged');
      expect(() => loadConfig({ DATA_DIR: 'data' }, cwd)).toThrow(
        `${join(cwd, 'data', 'mfa-encryption-key')} must be 32 bytes`,
      );
    });
  });

  it('needs both admin variables to seed an admin', () => {
    expect(load({ ADMIN_USERNAME: 'root' }).admin).toBeUndefined();
    expect(load({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long enough password' }).admin).toEqual({
      username: 'root',
      password: 'long enough password',
    });
  });

  it('refuses TRUST_PROXY=true, saying why', () => {
    expect(errorOf({ TRUST_PROXY: 'true' })).toContain('TRUST_PROXY=true is refused');
  });

  it('reads TRUST_PROXY as off, a hop count or a list of addresses and CIDRs', () => {
    expect(load({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(
      load({ TRUST_PROXY: 'Loopback, 10.0.0.0/8,2001:db8::/32 ,192.0.2.1' }).trustProxy,
    ).toEqual(['loopback', '10.0.0.0/8', '2001:db8::/32', '192.0.2.1']);
  });

  it('splits CORS_ORIGINS', () => {
    expect(load({ CORS_ORIGINS: 'https://a.example, https://b.example,' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });
});

describe('sessions, mail, metrics and binding', () => {
  it('applies the contract defaults', () => {
    const config = load({ PORT: '4100' });
    expect(config.host).toBeUndefined();
    expect(config.sessions).toEqual({ maxPerUser: 100, retentionSeconds: 30 * 86400 });
    expect(config.cleanupIntervalSeconds).toBe(600);
    expect(config.deviceCookieName).toBe('deviceId');
    expect(config.mail).toEqual({
      smtpUrl: undefined,
      from: 'no-reply@localhost',
      appUrl: 'http://localhost:4100',
      emailVerificationTtlSeconds: 24 * 3600,
      passwordResetTtlSeconds: 30 * 60,
      requireEmailVerification: false,
    });
    expect(config.metrics).toEqual({ enabled: false, token: undefined });
  });

  it('takes APP_URL without its trailing slash, and an SMTP URL with credentials', () => {
    const config = load({
      APP_URL: 'https://app.example.com/',
      SMTP_URL: 'smtps://user:secret@smtp.example.com:465',
      HOST: '127.0.0.1',
    });
    expect(config.mail.appUrl).toBe('https://app.example.com');
    expect(config.mail.smtpUrl).toBe('smtps://user:secret@smtp.example.com:465');
    expect(config.host).toBe('127.0.0.1');
  });

  it.each([
    [{ MAX_SESSIONS_PER_USER: '0' }, /^MAX_SESSIONS_PER_USER must be an integer from 1/],
    [{ SESSION_RETENTION: 'forever' }, /^SESSION_RETENTION must be a positive duration/],
    [{ CLEANUP_INTERVAL: '0s' }, /^CLEANUP_INTERVAL must be a positive duration/],
    [{ DEVICE_COOKIE_NAME: 'a b' }, /^DEVICE_COOKIE_NAME must be 1-64 characters/],
    [{ MAIL_FROM: 'nobody' }, /^MAIL_FROM must be an address/],
    [{ APP_URL: 'ftp://x' }, /^APP_URL must be an http/],
    [{ REQUIRE_EMAIL_VERIFICATION: 'maybe' }, /^REQUIRE_EMAIL_VERIFICATION must be true or false/],
    [{ METRICS_ENABLED: 'yes please' }, /^METRICS_ENABLED must be true or false/],
    [{ HOST: 'not a host' }, /^HOST must be an IP address or a host name/],
  ])('refuses %j in one line naming it', (env, message) => {
    expect(errorOf(env)).toMatch(message);
  });

  it('does not repeat a bad SMTP_URL, which may hold a password', () => {
    const message = errorOf({ SMTP_URL: 'http://user:hunter2@host' });
    expect(message).toMatch(/^SMTP_URL must be an smtp/);
    expect(message).not.toContain('hunter2');
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
