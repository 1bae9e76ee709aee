import type { JwtKeys } from './jwt-keys';

export type SameSite = 'strict' | 'lax' | 'none';

/** `json`: one object a line, for machines; `pretty`: Nest-style lines, for a person. */
export type LogFormat = 'json' | 'pretty';

/** The validated, typed configuration. Built once by `loadConfig`; every setting lives here. */
export interface AppConfig {
  readonly nodeEnv: string;
  readonly isProduction: boolean;
  readonly port: number;
  /** HOST: the address the HTTP server binds to (all interfaces when unset). */
  readonly host: string | undefined;
  /** Unset: the embedded FerretDB is started and used. */
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  readonly jwt: {
    /** JWT_ALGORITHM and its keys, imported once. */
    readonly keys: JwtKeys;
    readonly accessTtlSeconds: number;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly refresh: {
    readonly ttlSeconds: number;
    readonly reuseGraceSeconds: number;
    readonly cookieName: string;
  };
  readonly cookie: { readonly secure: boolean; readonly sameSite: SameSite };
  readonly bcryptCost: number;
  readonly freshLoginMaxAgeSeconds: number;
  readonly sessionCheckCacheSeconds: number;
  /** SESSION_MAX_LIFETIME: how long a session may live after its sign-in, however often refreshed. */
  readonly sessionMaxLifetimeSeconds: number;
  /** How long security events are kept. */
  readonly securityEventsRetentionSeconds: number;
  readonly authRateLimit: number;
  readonly authIpRateLimit: number;
  /** Consecutive failed sign-ins of one username before it is throttled; 0 turns it off. */
  readonly accountLockout: { readonly threshold: number; readonly baseSeconds: number };
  readonly apiRateLimit: number;
  readonly bodyLimitBytes: number;
  readonly corsOrigins: readonly string[];
  readonly admin: { readonly username: string; readonly password: string } | undefined;
  /** Express's `trust proxy`: off, a hop count, or the proxies' addresses and CIDRs. Never `true`. */
  readonly trustProxy: TrustProxy;
  readonly sessions: {
    /** MAX_SESSIONS_PER_USER: a sign-in beyond it ends the least recently used session. */
    readonly maxPerUser: number;
    /** SESSION_RETENTION: how long an ended or expired session and its tokens are kept. */
    readonly retentionSeconds: number;
  };
  /** CLEANUP_INTERVAL: how often each instance deletes what retention no longer keeps. */
  readonly cleanupIntervalSeconds: number;
  /** DEVICE_COOKIE_NAME: the signed cookie that lets a known device sign in past a lockout. */
  readonly deviceCookieName: string;
  readonly mail: {
    /** SMTP_URL; unset: mails go to the log outside production, and are refused in production. */
    readonly smtpUrl: string | undefined;
    readonly from: string;
    /** APP_URL: the base of the links in mails, without a trailing slash. */
    readonly appUrl: string;
    readonly emailVerificationTtlSeconds: number;
    readonly passwordResetTtlSeconds: number;
    readonly requireEmailVerification: boolean;
  };
  /** MFA_ENCRYPTION_KEY: the 32-byte AES-256-GCM key of stored TOTP secrets. */
  readonly mfaEncryptionKey: Buffer;
  readonly metrics: { readonly enabled: boolean; readonly token: string | undefined };
  /** LOG_FORMAT: `pretty` by default in development, `json` everywhere else. */
  readonly logFormat: LogFormat;
}

export type TrustProxy = false | number | readonly string[];

/** Injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
