import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators';
import { PageArgs, pageOf } from '../common/validation/page.args';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensService } from './refresh-tokens.service';

@ApiTags('users')
@Controller('users')
export class RefreshTokensController {
  constructor(private readonly refreshTokens: RefreshTokensService) {}

  @Get(':id/refresh-tokens')
  @ApiOperation({
    summary: "A user's refresh tokens, newest first",
    description:
      'For the owner or an admin. Pages of `limit` (1-1000, default 100) tokens after the token `after`.',
  })
  @ApiUserIdParam()
  @ApiEnvelope(200, [RefreshTokenView], 'The tokens, without their values')
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)
  list(
    @Param('id', ParseObjectIdPipe) userId: string,
    @Query() page: PageArgs,
    @CurrentUser() user: AuthUser,
  ): Promise<RefreshTokenView[]> {
    return this.refreshTokens.listForUser(user, userId, pageOf(page));
  }
}
