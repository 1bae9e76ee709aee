import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { ApiAdminOnly } from '../common/api-docs/api-docs-extensions';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { MfaCodeArgs } from './mfa-code.args';
import { MfaService } from './mfa.service';
import { RecoveryCodes } from './recovery-codes.model';
import { TotpSetup } from './totp-setup.model';

const FRESH_LOGIN =
  'Needs an access token from a sign-in (password, and the second step when it is on) no older than FRESH_LOGIN_MAX_AGE.';
const CODE_RULES =
  'A wrong code counts as a failed sign-in in the account throttle and is recorded as `mfa-failed`; a code is accepted once.';

/** What a route that checks a code may answer besides its success and state conflicts. */
const CODE_CHECK_ERRORS = [
  ErrorCode.VALIDATION_ERROR,
  ErrorCode.INVALID_MFA_CODE,
  ErrorCode.FRESH_LOGIN_REQUIRED,
  ErrorCode.TOO_MANY_REQUESTS,
  ErrorCode.PAYLOAD_TOO_LARGE,
];

/** Enrolment in the second factor, and an admin's reset. The sign-in's second step is POST /auth/mfa/verify. */
@Controller()
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @ApiTags('auth')
  @Post('auth/mfa/totp/setup')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start setting up TOTP (an authenticator app)',
    description: [
      FRESH_LOGIN,
      'Answers a new secret and its `otpauth://` URI (for a QR code). It stays pending until POST /auth/mfa/totp/confirm; a new setup replaces a pending one.',
    ].join('\n\n'),
  })
  @ApiEnvelope(200, TotpSetup, 'The pending secret')
  @ApiAuthenticated(ErrorCode.FRESH_LOGIN_REQUIRED, ErrorCode.MFA_ALREADY_ENABLED)
  setupTotp(@CurrentUser() user: AuthUser): Promise<TotpSetup> {
    return this.mfa.setupTotp(user);
  }

  @ApiTags('auth')
  @Post('auth/mfa/totp/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Turn TOTP on with a current code',
    description: [
      FRESH_LOGIN,
      'Takes a current code of the pending secret and turns the second factor on: from then on, the right password answers 401 MFA_REQUIRED and POST /auth/mfa/verify completes the sign-in. Answers 10 recovery codes, shown this once.',
      CODE_RULES,
    ].join('\n\n'),
  })
  @ApiEnvelope(200, RecoveryCodes, 'TOTP is on; the recovery codes')
  @ApiAuthenticated(...CODE_CHECK_ERRORS, ErrorCode.MFA_SETUP_REQUIRED)
  confirmTotp(
    @Body() { code }: MfaCodeArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodes> {
    return this.mfa.confirmTotp(user, code, client);
  }

  @ApiTags('auth')
  @Post('auth/mfa/recovery-codes')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replace the recovery codes',
    description: [
      FRESH_LOGIN,
      'Takes a current TOTP code or an unused recovery code; the old recovery codes stop working. Answers the 10 new ones, shown this once.',
      CODE_RULES,
    ].join('\n\n'),
  })
  @ApiEnvelope(200, RecoveryCodes, 'The new recovery codes')
  @ApiAuthenticated(...CODE_CHECK_ERRORS, ErrorCode.MFA_NOT_ENABLED)
  regenerateRecoveryCodes(
    @Body() { code }: MfaCodeArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodes> {
    return this.mfa.regenerateRecoveryCodes(user, code, client);
  }

  @ApiTags('auth')
  @Delete('auth/mfa')
  @ApiOperation({
    summary: 'Turn the second factor off',
    description: [
      FRESH_LOGIN,
      'Takes a current TOTP code or an unused recovery code. The password alone signs in again.',
      CODE_RULES,
    ].join('\n\n'),
  })
  @ApiEnvelope(200, 'boolean', 'Off')
  @ApiAuthenticated(...CODE_CHECK_ERRORS, ErrorCode.MFA_NOT_ENABLED)
  async disable(
    @Body() { code }: MfaCodeArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.mfa.disable(user, code, client);
    return true;
  }

  @ApiTags('users')
  @Delete('users/:id/mfa')
  @ApiOperation({
    summary: "Turn a user's second factor off (a lost device)",
    description:
      'Admin only. Ends every session of the user at once; the password alone signs in again, and the user can set TOTP up anew.',
  })
  @ApiUserIdParam()
  @ApiEnvelope(200, 'boolean', 'Off')
  @ApiAdminOnly()
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.FORBIDDEN,
    ErrorCode.NOT_FOUND,
    ErrorCode.MFA_NOT_ENABLED,
  )
  async reset(
    @Param('id', ParseObjectIdPipe) userId: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.mfa.reset(user, userId, client);
    return true;
  }
}
