import { Controller, Delete, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { OBJECT_ID_PATTERN } from '../common/validation/object-id';
import { ApiLinks } from '../common/api-docs/api-docs-extensions';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { PageArgs, pageOf } from '../common/validation/page.args';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { AuthCookies } from './auth-cookies';
import { SessionView } from './session.model';
import { SessionsService } from './sessions.service';

@ApiTags('users')
@Controller('users')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cookie: AuthCookies,
  ) {}

  @Get(':id/sessions')
  @ApiOperation({
    summary: "A user's active sessions, newest first",
    description:
      'For the owner or an admin. `current` marks the session of the caller. Pages of `limit` (1-1000, default 100) sessions after the session `after`.',
  })
  @ApiUserIdParam()
  @ApiEnvelope(200, [SessionView], 'The active sessions')
  @ApiLinks({
    RevokeSession: {
      operation: 'DELETE /users/{id}/sessions/{sessionId}',
      parameters: { id: '$request.path.id', sessionId: '$response.body#/data/0/id' },
      description: 'Revoke the newest of these sessions',
    },
  })
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
  list(
    @Param('id', ParseObjectIdPipe) userId: string,
    @Query() page: PageArgs,
    @CurrentUser() user: AuthUser,
  ): Promise<SessionView[]> {
    return this.sessions.listForUser(user, userId, pageOf(page));
  }

  @Delete(':id/sessions/:sessionId')
  @ApiOperation({
    summary: 'Revoke one active session',
    description:
      "For the owner or an admin. Ends it like logout: its refresh token is revoked and its access tokens are refused within SESSION_CHECK_CACHE_SECONDS. Revoking the caller's own session clears the cookie.",
  })
  @ApiUserIdParam()
  @ApiParam({
    name: 'sessionId',
    description:
      "Session id: the `id` of an item of GET /users/{id}/sessions (the `sid` of its access tokens). The one with `current: true` is this browser's: revoking it signs you out.",
    schema: { type: 'string', pattern: OBJECT_ID_PATTERN },
  })
  @ApiEnvelope(200, 'boolean', 'Revoked')
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
  async revoke(
    @Param('id', ParseObjectIdPipe) userId: string,
    @Param('sessionId', ParseObjectIdPipe) sessionId: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: Response,
  ): Promise<true> {
    return this.cookie.apply(res, await this.sessions.revoke(user, userId, sessionId, client));
  }
}
