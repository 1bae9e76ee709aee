import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, ClientInfo } from '../common/auth-user';
import { assertOwnerOrAdmin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Cleanup } from '../database/cleanup';
import { Clock } from '../database/clock';
import { SecurityLog } from '../logging/security-log';
import { UsersService } from '../users/users.service';
import { SecurityEventView } from './security-event.model';
import { SecurityEventType } from './security-event.schema';
import { SecurityEventsRepository } from './security-events.repository';

/** Types an operator alerts on: logged as warnings. */
const WARNINGS = new Set([
  SecurityEventType.SIGN_IN_FAILED,
  SecurityEventType.REFRESH_REUSE_DETECTED,
]);

export interface NewSecurityEvent {
  type: SecurityEventType;
  /** The subject; null when it is not a user (a failed sign-in naming nobody): logged only. */
  userId: string | Types.ObjectId | null;
  client: ClientInfo;
  sessionId?: string | null;
  /** The user or admin who acted. */
  actorId?: string | null;
}

/**
 * The security activity log: one `record` call writes the JSON log line and stores the event.
 * Storing is best effort: a failed insert is logged as a warning and never fails the request
 * that caused the event (a sign-in must not fail because the audit trail is unavailable; the log
 * line is still written). Events are kept SECURITY_EVENTS_RETENTION, by a periodic clean-up.
 */
@Injectable()
export class SecurityEventsService implements OnModuleInit {
  private readonly logger = new Logger(SecurityEventsService.name);

  constructor(
    private readonly events: SecurityEventsRepository,
    private readonly users: UsersService,
    private readonly log: SecurityLog,
    private readonly cleanup: Cleanup,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Never throws. `logDetails` go to the log line only (say, the username a failed sign-in named). */
  async record(event: NewSecurityEvent, logDetails: Record<string, unknown> = {}): Promise<void> {
    const userId = event.userId === null ? null : new Types.ObjectId(event.userId);
    const sessionId = event.sessionId ?? null;
    const actorId = event.actorId ?? null;
    this.log.recorded(
      {
        event: event.type,
        ...logDetails,
        ...(userId !== null && { userId: userId.toHexString() }),
        ...(sessionId !== null && { sessionId }),
        ...(actorId !== null && { actorId }),
        ip: event.client.ip,
      },
      WARNINGS.has(event.type),
    );
    const now = this.clock.now();
    try {
      await this.events.insert({
        _id: new Types.ObjectId(Math.floor(now.getTime() / 1000)),
        userId,
        type: event.type,
        at: now,
        ip: event.client.ip,
        userAgent: event.client.userAgent,
        sessionId,
        actorId: actorId === null ? null : new Types.ObjectId(actorId),
      });
    } catch (error) {
      this.logger.warn(`Could not store a ${event.type} event: ${String(error)}`);
    }
  }

  /** For revoke-session (and revoke-token of a session's active token). */
  sessionRevoked(userId: string, sessionId: string, actor: AuthUser, client: ClientInfo) {
    return this.record({
      type: SecurityEventType.SESSION_REVOKED,
      userId,
      sessionId,
      actorId: actor.id,
      client,
    });
  }

  /**
   * A user's events, newest first, for the owner or an admin. Events outlive their user (a deleted
   * user's stay), so an admin still reads them; NOT_FOUND only when there is neither user nor event.
   */
  async listForUser(
    viewer: AuthUser,
    userId: string,
    limit: number,
    after?: string,
  ): Promise<SecurityEventView[]> {
    assertOwnerOrAdmin(viewer, userId);
    const records = await this.events.listByUser(userId, limit, after);
    if (
      records.length === 0 &&
      !(await this.users.exists(userId)) &&
      (after === undefined || !(await this.events.existForUser(userId)))
    )
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    return records.map((record) => SecurityEventView.from(record));
  }

  /** For DataLoader: each user's events in one query, in the order of `userIds`. */
  async listForUsers(
    userIds: readonly string[],
    limit: number,
    after?: string,
  ): Promise<SecurityEventView[][]> {
    const byUser = await this.events.listByUsers(userIds, limit, after);
    return userIds.map((id) =>
      (byUser.get(id) ?? []).map((record) => SecurityEventView.from(record)),
    );
  }

  /**
   * Deletes the events older than SECURITY_EVENTS_RETENTION, with every instance's clean-up:
   * deleting is idempotent, so instances need no coordination (and FerretDB has no TTL index).
   */
  async deleteExpired(now = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.securityEventsRetentionSeconds * 1000);
    return this.events.deleteOlderThan(cutoff);
  }

  onModuleInit(): void {
    this.cleanup.register({ name: 'security events', run: (now) => this.deleteExpired(now) });
  }
}
