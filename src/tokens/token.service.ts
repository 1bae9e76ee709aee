import { createHash, KeyObject, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { VerifyOptions } from 'jsonwebtoken';
import { Types } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { PublicJwk } from '../config/jwt-keys';
import { Role } from '../common/auth-user';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
const JWKS_MAX_AGE_SECONDS = 300;
const VERIFIER_BYTES = 32;
const SELECTOR_BYTES = 12;

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

/** The user an access token is issued to, as stored. */
export interface AccessTokenHolder {
  _id: Types.ObjectId;
  username: string;
  role: Role;
}

/** The session an access token belongs to, and how its holder signed in. */
export interface AccessTokenSession {
  sessionId: string;
  amr: readonly string[];
}

/**
 * The one place where access tokens are signed, and the one that picks the key an access token is
 * verified with (JWT_ALGORITHM, keys imported once at start-up). Opaque tokens: below the class.
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

  /** The bearer token of a sign-in (`fresh`) or a refresh, for `holder` in `session`. */
  issueAccessToken(
    holder: AccessTokenHolder,
    session: AccessTokenSession,
    fresh: boolean,
  ): IssuedAccessToken & { tokenType: 'Bearer' } {
    const claims = {
      sub: holder._id.toHexString(),
      username: holder.username,
      role: holder.role,
      sid: session.sessionId,
      fresh,
      amr: session.amr,
    };
    const { accessToken, expiresIn } = this.signAccessToken(claims);
    return { accessToken, tokenType: 'Bearer', expiresIn };
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

/**
 * A token a client holds and the server only checks: 256 random bits, base64url, of which only
 * the SHA-256 hash is stored (a database dump yields nothing usable). Mailed verification and
 * reset tokens are made here, refresh tokens and mfaTokens by {@link newSplitToken}.
 */
export function newOpaqueToken(): { token: string; hash: string } {
  return tokenOf(Buffer.alloc(0));
}

/**
 * A split token: the 12-byte `_id` of the document that stores it (the selector, so a presented
 * token is found by primary key on every backend), then the 256-bit verifier. Only the hash of
 * the whole token is stored.
 */
export function newSplitToken(selector: Types.ObjectId): { token: string; hash: string } {
  return tokenOf(Buffer.from(selector.id));
}

/** The `_id` a split token was issued under; undefined for anything this service did not issue. */
export function selectorOf(token: string): Types.ObjectId | undefined {
  const bytes = Buffer.from(token, 'base64url');
  return bytes.length === SELECTOR_BYTES + VERIFIER_BYTES
    ? new Types.ObjectId(bytes.subarray(0, SELECTOR_BYTES))
    : undefined;
}

/** The stored form of a token: its SHA-256, hex. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` hashes to `storedHash`, compared in constant time. */
export function matchesHash(token: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashOpaqueToken(token), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function tokenOf(prefix: Buffer): { token: string; hash: string } {
  const token = Buffer.concat([prefix, randomBytes(VERIFIER_BYTES)]).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}
