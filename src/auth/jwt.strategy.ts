import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Algorithm, Jwt, JwtPayload } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, Role } from '../common/auth-user';
import { isObjectIdString } from '../common/validation/object-id';
import { SessionStore } from '../sessions/store/session-store';
import { ACCESS_TOKEN_TYPE, TokenService } from '../tokens/token.service';

/**
 * Verifies the bearer access token: the key its `kid` names, the pinned algorithm, issuer,
 * audience, `typ` at+jwt and the claims every token of ours carries (`sub`, `sid`, `iat`, `exp`,
 * `jti` among them); then that its session is one of its user's and has not ended.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    tokens: TokenService,
    private readonly sessions: SessionStore,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (_request: unknown, rawJwt: string, done: KeyCallback) => {
        const key = tokens.verificationKey(rawJwt);
        // passed straight to jsonwebtoken, which takes a KeyObject; passport-jwt's types predate that
        if (key === undefined) done(new AppError(ErrorCode.UNAUTHORIZED));
        else done(null, key as unknown as Buffer);
      },
      ...(tokens.verifyOptions as { algorithms: Algorithm[]; issuer: string; audience: string }),
      jsonWebTokenOptions: { complete: true },
    });
  }

  async validate(token: Jwt): Promise<AuthUser> {
    const user = token.header.typ === ACCESS_TOKEN_TYPE ? toAuthUser(token.payload) : undefined;
    if (user === undefined || !(await this.sessions.isActive(user.sessionId, user.id))) {
      throw new AppError(ErrorCode.UNAUTHORIZED);
    }
    return user;
  }
}

type KeyCallback = (error: unknown, key?: Buffer) => void;

function toAuthUser(payload: string | JwtPayload): AuthUser | undefined {
  if (typeof payload === 'string') return undefined;
  const { sub, username, role, sid, fresh, iat, exp, jti } = payload as Record<string, unknown>;
  // jsonwebtoken checks `exp` only when it is there: a token without one would never expire
  const valid =
    typeof exp === 'number' &&
    typeof jti === 'string' &&
    jti.length > 0 &&
    isObjectIdString(sub) &&
    typeof username === 'string' &&
    (role === Role.USER || role === Role.ADMIN) &&
    typeof sid === 'string' &&
    typeof fresh === 'boolean' &&
    typeof iat === 'number';
  return valid ? { id: sub, username, role, sessionId: sid, fresh, issuedAt: iat } : undefined;
}
