import { createHash, createSecretKey, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Types } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Role } from '../common/auth-user';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_ALGORITHM = 'HS256';
const REFRESH_TOKEN_BYTES = 32;
const OBJECT_ID_BYTES = 12;

/**
 * The access-token HMAC key as a KeyObject, made once at start-up. Given a string or Buffer,
 * jsonwebtoken tries to parse it as a PEM key on every sign and verify, and builds and throws
 * away an error when that fails: about 0.5 ms of CPU per authenticated request.
 */
export function accessTokenKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** The claims of an access token beyond the registered ones. */
export interface AccessTokenClaims {
  sub: string;
  username: string;
  role: Role;
  sid: string;
  fresh: boolean;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds, equal to the token's `exp - iat`. */
  expiresIn: number;
}

/** The one place where tokens are made: signed access JWTs and opaque refresh tokens. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  signAccessToken(claims: AccessTokenClaims): IssuedAccessToken {
    const { accessTtlSeconds, issuer, audience } = this.config.jwt;
    const accessToken = this.jwt.sign(claims, {
      algorithm: ACCESS_TOKEN_ALGORITHM,
      header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
      expiresIn: accessTtlSeconds,
      issuer,
      audience,
      jwtid: randomUUID(),
    });
    return { accessToken, expiresIn: accessTtlSeconds };
  }

  /**
   * The `_id` of the document that will store it (12 bytes), then 256 random bits, base64url;
   * only its hash is ever stored. The id lets a presented token be found by primary key, which
   * every backend answers from its `_id` index, where FerretDB would scan for the hash.
   */
  generateRefreshToken(id: Types.ObjectId): { token: string; tokenHash: string } {
    const token = Buffer.concat([id.id, randomBytes(REFRESH_TOKEN_BYTES)]).toString('base64url');
    return { token, tokenHash: this.hashRefreshToken(token) };
  }

  /** The `_id` a refresh token was issued under; undefined for anything this service did not issue. */
  refreshTokenId(token: string): Types.ObjectId | undefined {
    const bytes = Buffer.from(token, 'base64url');
    return bytes.length === OBJECT_ID_BYTES + REFRESH_TOKEN_BYTES
      ? new Types.ObjectId(bytes.subarray(0, OBJECT_ID_BYTES))
      : undefined;
  }

  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  newSessionId(): string {
    return randomUUID();
  }
}
