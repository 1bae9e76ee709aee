import { KeyObject, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { VerifyOptions } from 'jsonwebtoken';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { PublicJwk } from '../config/jwt-keys';
import { Role } from '../common/auth-user';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
const JWKS_MAX_AGE_SECONDS = 300;

/** The claims of an access token beyond the registered ones. */
export interface AccessTokenClaims {
  sub: string;
  username: string;
  role: Role;
  sid: string;
  fresh: boolean;
  amr: readonly string[];
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds, equal to the token's `exp - iat`. */
  expiresIn: number;
}

/**
 * The one place where access tokens are signed, and the one that picks the key an access token is
 * verified with (JWT_ALGORITHM, keys imported once at start-up). Opaque tokens: ./opaque-token.ts.
 */
@Injectable()
export class TokenService {
  /** What jsonwebtoken checks besides the signature: the pinned algorithm, issuer, audience. */
  readonly verifyOptions: Readonly<VerifyOptions>;
  /**
   * How long a JWKS client may cache the key set: well under the access-token lifetime, so a key
   * added by a rotation is seen long before the tokens it signed would matter to a stale cache.
   */
  readonly publicKeySetMaxAgeSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const { keys, issuer, audience } = config.jwt;
    this.verifyOptions = { algorithms: [keys.algorithm], issuer, audience };
    this.publicKeySetMaxAgeSeconds = Math.min(
      JWKS_MAX_AGE_SECONDS,
      Math.floor(config.jwt.accessTtlSeconds / 3),
    );
  }

  signAccessToken(claims: AccessTokenClaims): IssuedAccessToken {
    const { keys, accessTtlSeconds, issuer, audience } = this.config.jwt;
    const accessToken = this.jwt.sign(claims, {
      algorithm: keys.algorithm,
      privateKey: keys.signingKey,
      header: {
        alg: keys.algorithm,
        typ: ACCESS_TOKEN_TYPE,
        ...(keys.signingKeyId !== undefined && { kid: keys.signingKeyId }),
      },
      expiresIn: accessTtlSeconds,
      issuer,
      audience,
      jwtid: randomUUID(),
    });
    return { accessToken, expiresIn: accessTtlSeconds };
  }

  /**
   * The key to check `token`'s signature with, looked up by its header's `kid` (never by trying
   * each key), and only when the header names the pinned algorithm: an HS256 token "signed" with
   * our public key finds no key. Undefined refuses the token.
   */
  verificationKey(token: string): KeyObject | undefined {
    const { keys } = this.config.jwt;
    const header = decodeHeader(token);
    if (header === undefined || header.alg !== keys.algorithm) return undefined;
    const { kid } = header;
    return typeof kid === 'string' || kid === undefined
      ? keys.verificationKeys.get(kid)
      : undefined;
  }

  /** Every public key a token may be verified with, as a JWK Set; empty with HS256. */
  publicKeySet(): { keys: readonly PublicJwk[] } {
    return this.config.jwt.keys.jwks;
  }
}

function decodeHeader(token: string): Record<string, unknown> | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString());
    return typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
