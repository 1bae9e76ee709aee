import { Injectable, Logger } from '@nestjs/common';

/** Security-relevant events, as structured log lines an operator can alert on. */
@Injectable()
export class SecurityEvents {
  private readonly logger = new Logger('Security');

  signInFailed(username: string, ip: string): void {
    this.logger.warn({ event: 'sign-in-failed', username, ip });
  }

  rateLimited(scope: 'auth' | 'api', ip: string): void {
    this.logger.warn({ event: 'rate-limited', scope, ip });
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
