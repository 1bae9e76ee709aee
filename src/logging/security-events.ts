import { Injectable, Logger } from '@nestjs/common';

/** Security-relevant events, as structured log lines an operator can alert on. */
@Injectable()
export class SecurityEvents {
  private readonly logger = new Logger('Security');

  rateLimited(scope: 'auth' | 'api', ip: string): void {
    this.logger.warn({ event: 'rate-limited', scope, ip });
  }

  /** The log line of an event of the security activity log (see SecurityEventsService.record). */
  recorded(fields: { event: string; ip: string; [field: string]: unknown }, warn: boolean): void {
    if (warn) this.logger.warn(fields);
    else this.logger.log(fields);
  }
}
