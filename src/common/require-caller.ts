import type { Request } from 'express';
import { AppError, ErrorCode } from './errors/app-error';
import type { AuthUser } from './auth-user';

/**
 * The caller, for field resolvers. The global guard runs on an operation's root fields only (running
 * it per field would verify the token once per list item), so a field reached through a public
 * root field such as `signIn` has no caller unless a bearer token was checked by another root field.
 */
export function requireCaller(req: Request): AuthUser {
  if (req.user === undefined) throw new AppError(ErrorCode.UNAUTHORIZED);
  return req.user;
}
