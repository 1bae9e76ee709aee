import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { PageArgs, pageOf } from '../common/validation/page.args';
import { SecurityEventView } from './security-event.model';
import { SecurityEventsService } from './security-events.service';

@ApiTags('users')
@Controller('users')
export class SecurityEventsController {
  constructor(private readonly events: SecurityEventsService) {}

  @Get(':id/security-events')
  @ApiOperation({
    summary: "A user's security events, newest first",
    description:
      'For the owner or an admin. Pages of `limit` (1-1000, default 100) events older than the event `after`. A deleted user’s events stay readable by admins.',
  })
  @ApiUserIdParam()
  @ApiEnvelope(200, [SecurityEventView], 'The events')
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
  list(
    @Param('id', ParseObjectIdPipe) userId: string,
    @Query() args: PageArgs,
    @CurrentUser() user: AuthUser,
  ): Promise<SecurityEventView[]> {
    const { limit, after } = pageOf(args);
    return this.events.listForUser(user, userId, limit, after);
  }
}
