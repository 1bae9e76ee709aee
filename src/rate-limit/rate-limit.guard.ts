import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import { AppError, ErrorCode } from '../common/app-error';
import { normalizeUsername } from '../common/credential-rules';
import { clientInfoOf, extractRequest } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SecurityEvents } from '../logging/security-events';
import { RateLimiter } from './rate-limiter.service';

const AUTH_RATE_LIMITED = 'authRateLimited';

/** Counts a route against AUTH_RATE_LIMIT per client IP and username instead of API_RATE_LIMIT. */
export const AuthRateLimited = () => SetMetadata(AUTH_RATE_LIMITED, true);

/** The global limit for REST and GraphQL alike; each transport's error path adds Retry-After. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  /** Both limits 0: nothing to count, and no reason to look at the route. */
  private readonly off: boolean;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly securityEvents: SecurityEvents,
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.off = config.authRateLimit === 0 && config.apiRateLimit === 0;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.off || this.count(context);
  }

  private async count(context: ExecutionContext): Promise<boolean> {
    const isAuth =
      this.reflector.getAllAndOverride<boolean | undefined>(AUTH_RATE_LIMITED, [
        context.getHandler(),
        context.getClass(),
      ]) === true;
    const limit = isAuth ? this.config.authRateLimit : this.config.apiRateLimit;
    if (limit === 0) return true;

    const { ip } = clientInfoOf(extractRequest(context));
    const key = isAuth ? `auth:${ip}:${normalizeUsername(usernameOf(context))}` : `api:${ip}`;
    const decision = await this.limiter.consume(key, limit);
    if (decision.allowed) return true;

    this.securityEvents.rateLimited(isAuth ? 'auth' : 'api', ip);
    throw new AppError(ErrorCode.TOO_MANY_REQUESTS, undefined, [], decision.retryAfterSeconds);
  }
}

/** The username an auth attempt is for: the REST body's, or the GraphQL `input`'s. */
function usernameOf(context: ExecutionContext): string {
  const source: unknown =
    context.getType<GqlContextType>() === 'graphql'
      ? GqlExecutionContext.create(context).getArgs<{ input?: unknown }>().input
      : extractRequest(context).body;
  const username = (source as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.slice(0, 64) : '';
}
