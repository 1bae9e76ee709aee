import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { ArgumentsHost, Inject, Injectable } from '@nestjs/common';
import { AppError, RateLimitedError, RateLimitLayer } from '../common/errors/app-error';
import { RefusalObserver } from '../common/errors/refusal-observer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AUTH_OUTCOMES, AuthOperation, authOperationOf, resultsOf } from './auth-outcomes';

const RATE_LIMIT_LAYERS: readonly RateLimitLayer[] = [
  'ip_username',
  'ip',
  'account',
  'device',
  'api',
];

/**
 * The process metrics (CPU, memory, event loop, GC), collected once per process: they describe
 * the process, and several apps in one process (the tests) would each start their own collectors.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The Prometheus metrics of one app: the auth outcome counters, the rate-limit counter and the
 * request-duration histogram, in the app's own registry. Labels are fixed vocabularies and route
 * templates, never a username, id, IP or token.
 */
@Injectable()
export class MetricsService implements RefusalObserver {
  private readonly registry = new Registry();
  private readonly outcomes: Record<AuthOperation, Counter<'result'>>;
  private readonly rateLimited: Counter<'layer'>;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  /** A refusal shared by several GraphQL root fields of one request counts once. */
  private readonly countedRefusals = new WeakSet<AppError>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const registers = [this.registry];
    this.outcomes = Object.fromEntries(
      Object.entries(AUTH_OUTCOMES).map(([operation, { metric, help }]) => {
        const counter = new Counter({ name: metric, help, labelNames: ['result'], registers });
        for (const result of resultsOf(operation as AuthOperation)) counter.inc({ result }, 0);
        return [operation, counter];
      }),
    ) as Record<AuthOperation, Counter<'result'>>;
    this.rateLimited = new Counter({
      name: 'auth_rate_limited_total',
      help: 'Requests refused with 429, by the brute-force layer that refused them',
      labelNames: ['layer'],
      registers,
    });
    for (const layer of RATE_LIMIT_LAYERS) this.rateLimited.inc({ layer }, 0);
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    if (config.metrics.enabled) processMetrics();
  }

  /** An operation answered; `newCookie`: it set a new refresh cookie. */
  succeeded(operation: AuthOperation, newCookie: boolean): void {
    const { cookieSet, cookieKept } = AUTH_OUTCOMES[operation].succeeded;
    this.outcomes[operation].inc({ result: newCookie ? cookieSet : cookieKept });
  }

  /** A request (of a counted operation or not) was refused with `error`. */
  refused(error: AppError, host: ArgumentsHost): void {
    if (error instanceof RateLimitedError && !this.countedRefusals.has(error)) {
      this.countedRefusals.add(error);
      this.rateLimited.inc({ layer: error.layer });
    }
    const operation = authOperationOf(host);
    if (operation === undefined) return;
    const failed: Partial<Record<string, string>> = AUTH_OUTCOMES[operation].failed;
    const result = failed[error.code];
    if (result !== undefined) this.outcomes[operation].inc({ result });
  }

  requestFinished(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status: String(status) }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of this app's metrics and the process's. */
  async scrape(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${process}`;
  }
}
