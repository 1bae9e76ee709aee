import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthUser, ClientInfo } from './auth-user';
import { clientInfoOf, extractRequest } from './request-context';

export const IS_PUBLIC = 'isPublic';

/** Opts a route or resolver out of the global access-token guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** The verified caller (routes behind the guard only). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser => extractRequest(context).user as AuthUser,
);

/** The caller's IP and user agent, for either transport. */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientInfo => clientInfoOf(extractRequest(context)),
);
