import { Injectable, Logger } from '@nestjs/common';

/** Which limit refused: per (IP, username), per IP on sign-in/sign-up, or per IP elsewhere. */
export type RateLimitScope = 'auth' | 'auth-ip' | 'api';

/** Security-relevant events, as structured log lines an operator can alert on. */
@Injectable()
export class SecurityEvents {
  private readonly logger = new Logger('Security');

  signInFailed(username: string, ip: string): void {
    this.logger.warn({ event: 'sign-in-failed', username, ip });
  }

  rateLimited(scope: RateLimitScope, ip: string): void {
    this.logger.warn({ event: 'rate-limited', scope, ip });
  }

  accountThrottled(username: string, ip: string, retryAfterSeconds: number): void {
    this.logger.warn({ event: 'account-throttled', username, ip, retryAfterSeconds });
  }

  refreshReuseDetected(userId: string, sessionId: string, ip: string): void {
    this.logger.warn({ event: 'refresh-reuse-detected', userId, sessionId, ip });
  }

  tokenRevoked(userId: string, tokenId: string, byUserId: string, ip: string): void {
    this.logger.log({ event: 'token-revoked', userId, tokenId, byUserId, ip });
  }

  passwordChanged(userId: string, endedSessions: number, ip: string): void {
    this.logger.log({ event: 'password-changed', userId, endedSessions, ip });
  }
}
