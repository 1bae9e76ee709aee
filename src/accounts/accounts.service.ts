import { Inject, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, ClientInfo, Role } from '../common/auth-user';
import { assertAdmin, assertFreshLogin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MfaService } from '../mfa/mfa.service';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { User } from '../users/user.model';
import { UserChanges } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { UpdateUserInput } from './update-user.input';

/** Account administration: the admin's changes to a user, and deleting an account. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionStore,
    private readonly events: SecurityEventsService,
    private readonly mfa: MfaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Admin only. Changes `role` and/or `disabled`; disabling (or demoting an admin) ends every
   * session of the user at once.
   * The last active admin cannot be demoted or disabled (LAST_ADMIN).
   */
  async updateUser(
    caller: AuthUser,
    id: string,
    input: UpdateUserInput,
    client: ClientInfo,
  ): Promise<User> {
    assertAdmin(caller);
    const changes: UserChanges = {
      ...(input.role !== undefined && { role: input.role }),
      ...(input.disabled !== undefined && { disabled: input.disabled }),
    };
    if (Object.keys(changes).length === 0) {
      throw new AppError(ErrorCode.VALIDATION_ERROR, 'Validation failed', [
        { field: 'role', message: 'give role, disabled or both' },
      ]);
    }
    const { before, after } = await this.users.update(id, changes);
    const wasDisabled = before.disabled === true;
    const isDisabled = after.disabled === true;
    // a demoted admin's access tokens still say admin: ending its sessions ends that too
    const demoted = before.role === Role.ADMIN && after.role !== Role.ADMIN;
    if (isDisabled || demoted)
      await this.sessions.endAllForUser(id, SessionEndReason.USER_DISABLED, client);

    const event = { userId: id, actorId: caller.id, client };
    if (before.role !== after.role)
      await this.events.record(
        { type: SecurityEventType.ROLE_CHANGED, ...event },
        { role: after.role },
      );
    if (wasDisabled !== isDisabled) {
      const type = isDisabled ? SecurityEventType.USER_DISABLED : SecurityEventType.USER_ENABLED;
      await this.events.record({ type, ...event });
    }
    return User.from(after, caller);
  }

  /**
   * An admin deletes any user; a user deletes its own account with a fresh login (an admin too).
   * Removes the user, its refresh tokens, sessions and second factor, and frees the username; its
   * security events stay. The last active admin cannot be deleted (LAST_ADMIN).
   */
  async deleteUser(caller: AuthUser, id: string, client: ClientInfo): Promise<void> {
    if (caller.id === id) assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    else assertAdmin(caller);
    await this.users.delete(id);
    await this.sessions.deleteAllForUser(id, client);
    await this.mfa.forget(id);
    await this.events.record({
      type: SecurityEventType.USER_DELETED,
      userId: id,
      actorId: caller.id,
      client,
    });
  }
}
