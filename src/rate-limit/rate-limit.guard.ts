import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { RateLimitedError, RateLimitLayer } from '../common/errors/app-error';
import { clientInfoOf, extractRequest, extractResponse } from '../common/request-context';
import { RateLimitScope, SecurityLog } from '../logging/security-log';

/**
 * The throttlers of ./throttlers.ts on REST and GraphQL alike; a refusal is the app's 429
 * TOO_MANY_REQUESTS, whose error path adds Retry-After on each transport.
 *
 * Nest runs guards once per REST route and once per GraphQL root field. AUTH limits count each
 * sign-in or sign-up attempt, so every such field; API_RATE_LIMIT counts requests, so the root
 * fields of one GraphQL request share one claim and its answer.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** The API_RATE_LIMIT claim of each request in flight. */
  private readonly apiClaims = new WeakMap<Request, Promise<boolean>>();
  /** The claims each guard call has started (see canActivate). */
  private readonly started = new WeakMap<ExecutionContext, Promise<boolean>[]>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly securityLog: SecurityLog,
  ) {
    super(options, storage, reflector);
  }

  override async onModuleInit(): Promise<void> {
    const throttlers = Array.isArray(this.options) ? this.options : this.options.throttlers;
    // every limit 0: nothing to count (and nothing to warn about)
    if (throttlers.length === 0) this.throttlers = [];
    else await super.onModuleInit();
  }

  /**
   * The base class waits for each throttler's claim before it starts the next; here each is only
   * started, and all are awaited together, so the storage sends them in one round trip.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.throttlers.length === 0) return true;
    const claims: Promise<boolean>[] = [];
    this.started.set(context, claims);
    await super.canActivate(context);
    await Promise.all(claims);
    return true;
  }

  protected override handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const claim =
      request.throttler.name === ('api' satisfies RateLimitScope)
        ? this.oncePerRequest(request)
        : super.handleRequest(request);
    // a refusal is answered through canActivate's await; this keeps it from looking unhandled first
    claim.catch(() => undefined);
    this.started.get(request.context)?.push(claim);
    return Promise.resolve(true);
  }

  private oncePerRequest(request: ThrottlerRequest): Promise<boolean> {
    const req = extractRequest(request.context);
    let claim = this.apiClaims.get(req);
    if (claim === undefined) {
      claim = super.handleRequest(request);
      this.apiClaims.set(req, claim);
    }
    return claim;
  }

  protected override getRequestResponse(context: ExecutionContext): {
    req: Record<string, unknown>;
    res: Record<string, unknown>;
  } {
    return {
      req: extractRequest(context) as unknown as Record<string, unknown>,
      res: extractResponse(context) as unknown as Record<string, unknown>,
    };
  }

  /** One budget per throttler and client, whichever route or face counts against it. */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    { key, timeToBlockExpire }: ThrottlerLimitDetail,
  ): Promise<void> {
    const scope = key.slice(0, key.indexOf(':')) as RateLimitScope;
    this.securityLog.rateLimited(scope, clientInfoOf(extractRequest(context)).ip);
    throw new RateLimitedError(LAYER_OF_SCOPE[scope], timeToBlockExpire);
  }
}

/** The `layer` label of `auth_rate_limited_total` for each throttler. */
const LAYER_OF_SCOPE: Record<RateLimitScope, RateLimitLayer> = {
  auth: 'ip_username',
  'auth-ip': 'ip',
  api: 'api',
};
