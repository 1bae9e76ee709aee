import { Body, Controller, Delete, Param, Patch } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { ApiAdminOnly } from '../common/api-docs/api-docs-extensions';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { User } from '../users/user.model';
import { AccountsService } from './accounts.service';
import { UpdateUserInput } from './update-user.input';

@ApiTags('users')
@Controller('users')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Patch(':id')
  @ApiOperation({
    summary: "Change a user's role and/or disabled flag",
    description:
      'Admin only. Disabling ends every session of the user at once; sign-in then answers 403 ACCOUNT_DISABLED for the right password. The last active admin cannot be demoted or disabled (409 LAST_ADMIN).',
  })
  @ApiUserIdParam()
  @ApiEnvelope(200, User, 'The user after the change')
  @ApiAdminOnly()
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.FORBIDDEN,
    ErrorCode.NOT_FOUND,
    ErrorCode.LAST_ADMIN,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  update(
    @Param('id', ParseObjectIdPipe) id: string,
    @Body() input: UpdateUserInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<User> {
    return this.accounts.updateUser(user, id, input, client);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Delete a user',
    description:
      'An admin, or the owner with an access token from a password sign-in no older than FRESH_LOGIN_MAX_AGE. Removes the user, its refresh tokens and sessions, and frees the username; its security events stay. The last active admin cannot be deleted (409 LAST_ADMIN).',
  })
  @ApiUserIdParam()
  @ApiEnvelope(200, 'boolean', 'Deleted')
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.FORBIDDEN,
    ErrorCode.FRESH_LOGIN_REQUIRED,
    ErrorCode.NOT_FOUND,
    ErrorCode.LAST_ADMIN,
  )
  async delete(
    @Param('id', ParseObjectIdPipe) id: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.accounts.deleteUser(user, id, client);
    return true;
  }
}
