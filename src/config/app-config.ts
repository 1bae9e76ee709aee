export type SameSite = 'strict' | 'lax' | 'none';

/** The validated, typed configuration. Built once by `loadConfig`; every setting lives here. */
export interface AppConfig {
  readonly nodeEnv: string;
  readonly isProduction: boolean;
  readonly port: number;
  /** Unset: the embedded FerretDB is started and used. */
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  readonly jwt: {
    readonly secret: string;
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
  /** How long security events are kept. */
  readonly securityEventsRetentionSeconds: number;
  readonly authRateLimit: number;
  readonly apiRateLimit: number;
  readonly bodyLimitBytes: number;
  readonly corsOrigins: readonly string[];
  readonly admin: { readonly username: string; readonly password: string } | undefined;
  readonly trustProxy: boolean;
}

/** Injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
