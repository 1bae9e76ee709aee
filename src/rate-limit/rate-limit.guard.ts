import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import { RateLimitedError, RateLimitLayer } from '../common/app-error';
import { normalizeUsername } from '../common/credential-rules';
import { clientInfoOf, extractRequest } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitScope, SecurityLog } from '../logging/security-log';
import { clientNetworkOf } from './client-network';
import { RateLimit, RateLimiter } from './rate-limiter.service';

const AUTH_RATE_LIMITED = 'authRateLimited';

/**
 * Counts a route against AUTH_RATE_LIMIT per client IP and username and against AUTH_IP_RATE_LIMIT
 * per client IP, instead of API_RATE_LIMIT.
 */
export const AuthRateLimited = () => SetMetadata(AUTH_RATE_LIMITED, true);

/**
 * The global limit for REST and GraphQL alike; each transport's error path adds Retry-After.
 * Nest runs guards once per REST route and once per GraphQL root field. AUTH limits count each
 * sign-in or sign-up attempt, so every such field; API_RATE_LIMIT counts requests, so the root
 * fields of one GraphQL request share one claim and its answer.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  /** Every limit 0: nothing to count, and no reason to look at the route. */
  private readonly off: boolean;
  /** The API_RATE_LIMIT check of each request in flight, shared by its root fields. */
  private readonly apiChecks = new WeakMap<Request, Promise<true>>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly securityLog: SecurityLog,
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.off =
      config.authRateLimit === 0 && config.authIpRateLimit === 0 && config.apiRateLimit === 0;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.off || this.count(context);
  }

  private count(context: ExecutionContext): Promise<true> {
    const isAuth =
      this.reflector.getAllAndOverride<boolean | undefined>(AUTH_RATE_LIMITED, [
        context.getHandler(),
        context.getClass(),
      ]) === true;
    const req = extractRequest(context);
    const { ip } = clientInfoOf(req);
    if (isAuth) return this.claim(this.authLimits(context, ip), ip);
    let check = this.apiChecks.get(req);
    if (check === undefined) {
      check = this.claim(this.apiLimits(ip), ip);
      this.apiChecks.set(req, check);
    }
    return check;
  }

  /** Claims a slot of each limit, or throws TOO_MANY_REQUESTS (logged once). */
  private async claim(limits: RateLimit[], ip: string): Promise<true> {
    if (limits.length === 0) return true;
    const decision = await this.limiter.consumeAll(limits);
    if (decision.allowed) return true;

    const scope = scopeOf(decision.refusedKey);
    this.securityLog.rateLimited(scope, ip);
    throw new RateLimitedError(LAYER_OF_SCOPE[scope], decision.retryAfterSeconds);
  }

  /** Both auth limits in one claim: the pair stops guessing at one account, the IP stops spraying. */
  private authLimits(context: ExecutionContext, ip: string): RateLimit[] {
    const { authRateLimit, authIpRateLimit } = this.config;
    const limits: RateLimit[] = [];
    if (authRateLimit > 0) {
      const username = normalizeUsername(usernameOf(context));
      limits.push({ key: `auth:${ip}:${username}`, limit: authRateLimit });
    }
    if (authIpRateLimit > 0) {
      limits.push({ key: `auth-ip:${clientNetworkOf(ip)}`, limit: authIpRateLimit });
    }
    return limits;
  }

  private apiLimits(ip: string): RateLimit[] {
    return this.config.apiRateLimit > 0
      ? [{ key: `api:${ip}`, limit: this.config.apiRateLimit }]
      : [];
  }
}

const LAYER_OF_SCOPE: Record<RateLimitScope, RateLimitLayer> = {
  auth: 'ip_username',
  'auth-ip': 'ip',
  api: 'api',
};

function scopeOf(key: string): RateLimitScope {
  return key.slice(0, key.indexOf(':')) as RateLimitScope;
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
