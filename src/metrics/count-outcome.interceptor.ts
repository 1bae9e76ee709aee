import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
import { Observable, tap } from 'rxjs';
import { extractResponse } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { authOperationOf } from './auth-outcomes';
import { MetricsService } from './metrics.service';

/**
 * Counts the answers of an operation listed in AUTH_OUTCOMES (its refusals, including the rate
 * limit's, which come before any interceptor, are counted by the exception filter). Put on the
 * REST route and the GraphQL mutation alike.
 */
export const CountOutcome = () => UseInterceptors(CountOutcomeInterceptor);

@Injectable()
export class CountOutcomeInterceptor implements NestInterceptor {
  private readonly cookiePrefix: string;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cookiePrefix = `${config.refresh.cookieName}=`;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const operation = authOperationOf(context);
    if (operation === undefined) return next.handle();
    const res = extractResponse(context);
    // compared before and after, as one GraphQL request may run several of these mutations
    const cookiesBefore = this.refreshCookiesSet(res);
    return next
      .handle()
      .pipe(
        tap(() => this.metrics.succeeded(operation, this.refreshCookiesSet(res) > cookiesBefore)),
      );
  }

  /** How many refresh cookies (not clearings) the response sets so far. */
  private refreshCookiesSet(res: Response): number {
    const header = res.getHeader('set-cookie');
    const lines = header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
    return lines.filter(
      (line) => line.startsWith(this.cookiePrefix) && line[this.cookiePrefix.length] !== ';',
    ).length;
  }
}
