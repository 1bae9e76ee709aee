import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser } from '../common/auth-user';
import { IS_PUBLIC } from '../common/decorators';
import { extractRequest, extractResponse } from '../common/request-context';

/** The global guard, for REST and GraphQL alike; `@Public()` opts out. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic === true || super.canActivate(context);
  }

  override getRequest(context: ExecutionContext): Request {
    return extractRequest(context);
  }

  getResponse(context: ExecutionContext): Response {
    return extractResponse(context);
  }

  override handleRequest<TUser = AuthUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof Error) throw error;
    if (user === false || user === null || user === undefined)
      throw new AppError(ErrorCode.UNAUTHORIZED);
    return user;
  }
}
