import { Injectable, Logger } from '@nestjs/common';

/** Which limit refused: per (IP, username), per IP on sign-in/sign-up, or per IP elsewhere. */
export type RateLimitScope = 'auth' | 'auth-ip' | 'api';

/** Security-relevant events, as structured log lines an operator can alert on. */
@Injectable()
export class SecurityLog {
  private readonly logger = new Logger('Security');

  rateLimited(scope: RateLimitScope, ip: string): void {
    this.logger.warn({ event: 'rate-limited', scope, ip });
  }

  /** Without the username: whatever was typed there (a password, say) must not reach the log. */
  accountThrottled(ip: string, retryAfterSeconds: number): void {
    this.logger.warn({ event: 'account-throttled', ip, retryAfterSeconds });
  }

  /** The log line of an event of the security activity log (see SecurityEventsService.record). */
  recorded(fields: { event: string; ip: string; [field: string]: unknown }, warn: boolean): void {
    if (warn) this.logger.warn(fields);
    else this.logger.log(fields);
  }
}
