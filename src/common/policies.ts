import { AppError, ErrorCode } from './errors/app-error';
import { AuthUser, Role } from './auth-user';

/**
 * The access rules every face and loader calls, each in one place. Transport-free: they throw
 * domain errors, which each face maps once.
 */

/** Who is looking: what the rules below need to know of a caller. */
export type Viewer = Pick<AuthUser, 'id' | 'role'>;

/**
 * The caller is the user `userId` itself or an admin: who may reach a user's tokens, sessions and
 * events, and read its private fields (`email`, `emailVerified`, `mfaEnabled`).
 */
export function isOwnerOrAdmin(caller: Viewer, userId: string): boolean {
  return caller.id === userId || caller.role === Role.ADMIN;
}

/** {@link isOwnerOrAdmin}, else FORBIDDEN. */
export function assertOwnerOrAdmin(caller: Viewer, userId: string): void {
  if (!isOwnerOrAdmin(caller, userId)) throw new AppError(ErrorCode.FORBIDDEN);
}

export function assertAdmin(caller: AuthUser): void {
  if (caller.role !== Role.ADMIN) throw new AppError(ErrorCode.FORBIDDEN);
}

/** The caller's token came from a password sign-in no older than `maxAgeSeconds`. */
export function assertFreshLogin(caller: AuthUser, maxAgeSeconds: number): void {
  const ageSeconds = Date.now() / 1000 - caller.issuedAt;
  if (!caller.fresh || ageSeconds > maxAgeSeconds)
    throw new AppError(ErrorCode.FRESH_LOGIN_REQUIRED);
}
