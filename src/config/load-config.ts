import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { isIP } from 'node:net';
import { AppConfig, LogFormat, SameSite, TrustProxy } from './app-config';
import { ConfigError } from './config-error';
import { parseByteSize, parseDurationSeconds } from './duration';
import { JWT_ALGORITHMS, JwtAlgorithm, loadJwtKeys } from './jwt-keys';
import { loadMfaEncryptionKey } from './mfa-encryption-key';
import {
  isValidPassword,
  isValidUsername,
  PASSWORD_RULE,
  USERNAME_RULE,
} from '../common/validation/credential-rules';

export type Env = Record<string, string | undefined>;

export { ConfigError };

/**
 * Reads `.env` (the process environment wins), validates every variable of the contract and
 * returns the typed configuration. The first bad value throws a {@link ConfigError} naming it.
 */
export function loadConfig(processEnv: Env = process.env, cwd = process.cwd()): AppConfig {
  const env: Env = { ...readDotenv(cwd), ...processEnv };
  const read = new EnvReader(env);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const isProduction = nodeEnv === 'production';
  const dataDir = resolve(cwd, read.string('DATA_DIR', '.data'));
  const cookieSecure = read.boolean('COOKIE_SECURE', isProduction);
  const sameSite = read.oneOf<SameSite>('COOKIE_SAMESITE', ['strict', 'lax', 'none'], 'strict');
  if (sameSite === 'none' && !cookieSecure) {
    throw new ConfigError(
      'COOKIE_SAMESITE=none requires COOKIE_SECURE=true (browsers drop the cookie otherwise)',
    );
  }

  const adminUsername = read.optional('ADMIN_USERNAME');
  const adminPassword = read.optional('ADMIN_PASSWORD');
  if (adminUsername !== undefined && !isValidUsername(adminUsername)) {
    throw new ConfigError(`ADMIN_USERNAME must be ${USERNAME_RULE}`);
  }
  if (adminPassword !== undefined && !isValidPassword(adminPassword)) {
    throw new ConfigError(`ADMIN_PASSWORD must be ${PASSWORD_RULE}`);
  }

  const port = read.integer('PORT', 3000, 0, 65535);
  const cookieName = (name: string, fallback: string) =>
    read.matching(name, fallback, /^[A-Za-z0-9_-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 _ -');

  return {
    nodeEnv,
    isProduction,
    port,
    host: read.host('HOST'),
    mongodbUri: read.mongodbUri('MONGODB_URI'),
    dataDir,
    jwt: {
      keys: loadJwtKeys({
        algorithm: read.jwtAlgorithm('JWT_ALGORITHM', 'ES256'),
        isProduction,
        dataDir,
        privateKey: read.optional('JWT_PRIVATE_KEY'),
        previousPublicKeys: read.optional('JWT_PREVIOUS_PUBLIC_KEYS'),
        secret: read.optional('JWT_ACCESS_SECRET'),
      }),
      accessTtlSeconds: read.duration('JWT_ACCESS_TTL', '15m'),
      issuer: read.string('JWT_ISSUER', 'nest-auth-service'),
      audience: read.string('JWT_AUDIENCE', 'nest-auth-service-clients'),
    },
    refresh: {
      ttlSeconds: read.duration('REFRESH_TOKEN_TTL', '7d'),
      reuseGraceSeconds: read.integer('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 3600),
      cookieName: cookieName('REFRESH_COOKIE_NAME', 'refreshToken'),
    },
    cookie: { secure: cookieSecure, sameSite },
    bcryptCost: read.integer('BCRYPT_COST', 12, 4, 15),
    freshLoginMaxAgeSeconds: read.duration('FRESH_LOGIN_MAX_AGE', '10m'),
    sessionCheckCacheSeconds: read.integer('SESSION_CHECK_CACHE_SECONDS', 5, 0, 3600),
    sessionMaxLifetimeSeconds: read.duration('SESSION_MAX_LIFETIME', '30d'),
    securityEventsRetentionSeconds: read.duration('SECURITY_EVENTS_RETENTION', '90d'),
    authRateLimit: read.integer('AUTH_RATE_LIMIT', 10, 0, 1_000_000),
    authIpRateLimit: read.integer('AUTH_IP_RATE_LIMIT', 60, 0, 1_000_000),
    accountLockout: {
      threshold: read.integer('ACCOUNT_LOCKOUT_THRESHOLD', 5, 0, 1000),
      baseSeconds: read.integer('ACCOUNT_LOCKOUT_BASE_SECONDS', 30, 1, 900),
    },
    apiRateLimit: read.integer('API_RATE_LIMIT', 600, 0, 1_000_000),
    bodyLimitBytes: read.byteSize('BODY_LIMIT', '16kb'),
    corsOrigins: read.list('CORS_ORIGINS'),
    admin:
      adminUsername !== undefined && adminPassword !== undefined
        ? { username: adminUsername, password: adminPassword }
        : undefined,
    trustProxy: read.trustProxy('TRUST_PROXY'),
    sessions: {
      maxPerUser: read.integer('MAX_SESSIONS_PER_USER', 100, 1, 10_000),
      retentionSeconds: read.duration('SESSION_RETENTION', '30d'),
    },
    cleanupIntervalSeconds: read.duration('CLEANUP_INTERVAL', '10m'),
    deviceCookieName: cookieName('DEVICE_COOKIE_NAME', 'deviceId'),
    mail: {
      smtpUrl: read.smtpUrl('SMTP_URL'),
      from: read.matching(
        'MAIL_FROM',
        'no-reply@localhost',
        /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
        'an address such as no-reply@example.com or "Name <no-reply@example.com>"',
      ),
      appUrl: read.httpUrl('APP_URL', `http://localhost:${port}`),
      emailVerificationTtlSeconds: read.duration('EMAIL_VERIFICATION_TTL', '24h'),
      passwordResetTtlSeconds: read.duration('PASSWORD_RESET_TTL', '30m'),
      requireEmailVerification: read.boolean('REQUIRE_EMAIL_VERIFICATION', false),
    },
    mfaEncryptionKey: loadMfaEncryptionKey({
      isProduction,
      dataDir,
      value: read.optional('MFA_ENCRYPTION_KEY'),
    }),
    metrics: {
      enabled: read.boolean('METRICS_ENABLED', false),
      token: read.optional('METRICS_TOKEN'),
    },
    logFormat: read.oneOf<LogFormat>(
      'LOG_FORMAT',
      ['pretty', 'json'],
      nodeEnv === 'development' ? 'pretty' : 'json',
    ),
  };
}

export function readDotenv(cwd: string): Env {
  const file = join(cwd, '.env');
  return existsSync(file) ? parseDotenv(readFileSync(file)) : {};
}

class EnvReader {
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined || value.trim() === '') return undefined;
    return value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  matching(name: string, fallback: string, pattern: RegExp, rule: string): string {
    const value = this.string(name, fallback);
    if (!pattern.test(value)) throw new ConfigError(`${name} must be ${rule}, got "${value}"`);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.optional(name)?.toLowerCase() ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  }

  /** Upper case, as the JOSE names are written (`es256` is taken too). */
  jwtAlgorithm(name: string, fallback: JwtAlgorithm): JwtAlgorithm {
    const value = this.optional(name)?.trim().toUpperCase() ?? fallback;
    if (!(JWT_ALGORITHMS as readonly string[]).includes(value)) {
      throw new ConfigError(`${name} must be one of ${JWT_ALGORITHMS.join(', ')}, got "${value}"`);
    }
    return value as JwtAlgorithm;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  }

  /**
   * `false`, a hop count or a list of addresses/CIDRs (and proxy-addr's `loopback`, `linklocal`,
   * `uniquelocal`). `true` would make Express take the left-most X-Forwarded-For entry, which the
   * client writes itself.
   */
  trustProxy(name: string): TrustProxy {
    const raw = this.optional(name)?.trim().toLowerCase();
    if (raw === undefined || raw === 'false') return false;
    if (raw === 'true') {
      throw new ConfigError(
        `${name}=true is refused: any client could choose its own IP; set the number of proxies (1-10) or their addresses`,
      );
    }
    if (/^\d+$/.test(raw)) {
      const hops = Number(raw);
      if (hops < 1 || hops > 10) {
        throw new ConfigError(
          `${name} must be false, a hop count from 1 to 10 or a list of addresses, got "${raw}"`,
        );
      }
      return hops;
    }
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    const bad = entries.find((entry) => !isProxyAddress(entry));
    if (bad !== undefined || entries.length === 0) {
      throw new ConfigError(
        `${name} must be false, a hop count from 1 to 10 or a comma list of addresses/CIDRs, got "${bad ?? raw}"`,
      );
    }
    return entries;
  }

  duration(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    const seconds = parseDurationSeconds(raw);
    if (seconds === undefined || seconds < 1) {
      throw new ConfigError(
        `${name} must be a positive duration such as 30s, 15m, 12h or 7d, got "${raw}"`,
      );
    }
    return seconds;
  }

  byteSize(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    const bytes = parseByteSize(raw);
    if (bytes === undefined || bytes < 1) {
      throw new ConfigError(`${name} must be a size such as 16kb or 1mb, got "${raw}"`);
    }
    return bytes;
  }

  list(name: string): string[] {
    return (this.optional(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  /** An IP address or a host name to bind to. */
  host(name: string): string | undefined {
    const value = this.optional(name)?.trim();
    if (value !== undefined && isIP(value) === 0 && !/^[A-Za-z0-9.-]{1,253}$/.test(value)) {
      throw new ConfigError(`${name} must be an IP address or a host name, got "${value}"`);
    }
    return value;
  }

  smtpUrl(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!/^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?\S*)?$/.test(value) || !URL.canParse(value)) {
      // the value may hold a password: it is not repeated
      throw new ConfigError(
        `${name} must be an smtp:// or smtps:// URL such as smtp://user:pass@host:587`,
      );
    }
    return value;
  }

  /** An http(s) URL without a trailing slash. */
  httpUrl(name: string, fallback: string): string {
    const value = this.string(name, fallback).trim().replace(/\/+$/, '');
    if (!/^https?:\/\/\S+$/.test(value) || !URL.canParse(value)) {
      throw new ConfigError(`${name} must be an http:// or https:// URL, got "${value}"`);
    }
    return value;
  }

  mongodbUri(name: string): string | undefined {
    const value = this.optional(name);
    if (value !== undefined && !/^mongodb(\+srv)?:\/\/\S+$/.test(value)) {
      throw new ConfigError(`${name} must be a mongodb:// or mongodb+srv:// connection string`);
    }
    return value;
  }
}

const PROXY_ADDRESS_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_ADDRESS_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
