import { AppError, ErrorCode } from './app-error';
import { AuthUser, Role } from './auth-user';

/**
 * The one "owner or admin" rule: what belongs to a user (their refresh tokens, sessions,
 * security events) is for that user or an admin. Throws FORBIDDEN for anyone else.
 */
export function assertOwnerOrAdmin(caller: AuthUser, ownerId: string): void {
  if (caller.id !== ownerId && caller.role !== Role.ADMIN) throw new AppError(ErrorCode.FORBIDDEN);
}
