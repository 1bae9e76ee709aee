import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { ApiAdminOnly } from '../common/api-docs/api-docs-extensions';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { PasswordResetService } from './password-reset.service';

@ApiTags('users')
@Controller('users')
export class AdminPasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Post(':id/password-reset')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a user a password reset link',
    description:
      'Admin only. The same mail as forgot-password, to the user’s verified address (400 EMAIL_REQUIRED without one); the admin never sees the token. Counts toward the 3 reset mails an hour of the account.',
  })
  @ApiUserIdParam()
  @ApiEnvelope(202, 'boolean', 'Accepted')
  @ApiAdminOnly()
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.FORBIDDEN,
    ErrorCode.NOT_FOUND,
    ErrorCode.EMAIL_REQUIRED,
    ErrorCode.MAIL_NOT_CONFIGURED,
    ErrorCode.SERVICE_UNAVAILABLE,
  )
  async sendPasswordReset(
    @Param('id', ParseObjectIdPipe) id: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.resets.sendByAdmin(user, id, client);
    return true;
  }
}
