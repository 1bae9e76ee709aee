import { Injectable } from '@nestjs/common';
import { assertOwnerOrAdmin } from '../common/policies';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, ClientInfo } from '../common/auth-user';
import { SecurityEventsService } from '../security-events/security-events.service';
import { UsersService } from '../users/users.service';
import { CLEAR_COOKIE, KEEP_COOKIE, WithCookie } from './auth-cookies';
import { Page } from '../common/validation/page.args';
import { ActiveSession, SessionStore } from './store/session-store';
import { SessionView } from './session.model';
import { SessionEndReason } from './store/session.schema';

/** A user's active sessions: listing and revoking one. For the owner or an admin. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly users: UsersService,
    private readonly securityEvents: SecurityEventsService,
  ) {}

  async listForUser(caller: AuthUser, userId: string, page: Page): Promise<SessionView[]> {
    assertOwnerOrAdmin(caller, userId);
    const sessions = await this.sessions.listActiveForUser(userId, page);
    // sessions prove their user exists; only an empty page may be an unknown user's (404)
    if (sessions.length === 0) await this.requireUser(userId);
    return sessions.map((session) => SessionView.from(session, caller.sessionId));
  }

  /** For the `User.sessions` loader: the same page of each user's active sessions, in one read. */
  listForUsers(userIds: readonly string[], page: Page): Promise<ActiveSession[][]> {
    return this.sessions.listActiveForUsers(userIds, page);
  }

  /** Ends one of the user's active sessions like logout; 404 when it is not one. */
  async revoke(
    caller: AuthUser,
    userId: string,
    sessionId: string,
    client: ClientInfo,
  ): Promise<WithCookie<true>> {
    assertOwnerOrAdmin(caller, userId);
    await this.requireUser(userId);
    if ((await this.sessions.findActive(userId, sessionId)) === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, 'Session not found');
    await this.sessions.end(sessionId, SessionEndReason.REVOKED, client);
    await this.securityEvents.sessionRevoked(userId, sessionId, caller, client);
    return { value: true, cookie: sessionId === caller.sessionId ? CLEAR_COOKIE : KEEP_COOKIE };
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.users.exists(userId)))
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
  }
}
