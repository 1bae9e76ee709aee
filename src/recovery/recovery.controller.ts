import { Body, Controller, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiEnvelope, ApiErrors } from '../common/api-docs/api-docs';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser, Public } from '../common/decorators';
import { AuthRateLimited } from '../rate-limit/throttlers';
import { User } from '../users/user.model';
import { EmailVerificationService } from './email-verification.service';
import { ForgotPasswordInput } from './forgot-password.input';
import { PasswordResetService } from './password-reset.service';
import { ResetPasswordInput } from './reset-password.input';
import { UpdateMeInput } from './update-me.input';
import { VerifyEmailArgs } from './verify-email.args';

/** A mail route's answer when it cannot send: production without SMTP_URL (and the database's 503). */
const MAIL_UNAVAILABLE = [ErrorCode.MAIL_NOT_CONFIGURED, ErrorCode.SERVICE_UNAVAILABLE];

@ApiTags('auth')
@Controller('auth')
export class RecoveryController {
  constructor(
    private readonly emails: EmailVerificationService,
    private readonly resets: PasswordResetService,
  ) {}

  @Patch('me')
  @ApiOperation({
    summary: 'Set, change or remove the own email address',
    description: [
      'Needs an access token from a password sign-in no older than FRESH_LOGIN_MAX_AGE. `{ "email": null }` removes the address.',
      'A new address is stored trimmed and lower-cased and is unverified: a verification mail goes to it, and a notice to the old address if that was verified. In production without SMTP_URL the change still succeeds and no mail goes out.',
    ].join('\n\n'),
  })
  @ApiEnvelope(200, User, 'The caller after the change')
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.FRESH_LOGIN_REQUIRED,
    ErrorCode.EMAIL_TAKEN,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  updateMe(
    @Body() input: UpdateMeInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<User> {
    return this.emails.updateMe(user, input, client);
  }

  @Post('email/verification')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a verification link to the own address',
    description:
      'The link is APP_URL/verify-email?token=… and works once, for EMAIL_VERIFICATION_TTL. Nothing is sent when the address is verified already, nor beyond 3 mails to one address an hour.',
  })
  @ApiEnvelope(202, 'boolean', 'Sent (or nothing to send)')
  @ApiAuthenticated(ErrorCode.EMAIL_REQUIRED, ...MAIL_UNAVAILABLE)
  async sendEmailVerification(@CurrentUser() user: AuthUser): Promise<true> {
    await this.emails.sendVerification(user);
    return true;
  }

  @Public()
  @Post('email/verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify the email address with the mailed token',
    description:
      'Uses the token up. It is refused (400 INVALID_TOKEN) when unknown, expired, used, or when the address it was sent to is no longer the user’s.',
  })
  @ApiEnvelope(200, 'boolean', 'Verified')
  @ApiErrors(ErrorCode.VALIDATION_ERROR, ErrorCode.INVALID_TOKEN, ErrorCode.PAYLOAD_TOO_LARGE)
  async verifyEmail(@Body() args: VerifyEmailArgs, @Client() client: ClientInfo): Promise<true> {
    await this.emails.verify(args.token, client);
    return true;
  }

  @Public()
  @AuthRateLimited()
  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a password reset mail, by username or by email',
    description: [
      'Exactly one of `username` or `email` (matched without regard to case). Always 202 with the same body, whether or not the account exists, has a verified address or is disabled: the mail goes only to a verified address of an enabled account, at most 3 an hour per account.',
      'The link is APP_URL/reset-password?token=… and works once, for PASSWORD_RESET_TTL. Counts against AUTH_RATE_LIMIT and AUTH_IP_RATE_LIMIT like a sign-in.',
    ].join('\n\n'),
  })
  @ApiEnvelope(202, 'boolean', 'Accepted (whether or not a mail goes out)')
  @ApiErrors(ErrorCode.VALIDATION_ERROR, ErrorCode.PAYLOAD_TOO_LARGE)
  async forgotPassword(
    @Body() input: ForgotPasswordInput,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.resets.forgot(input, client);
    return true;
  }

  @Public()
  @Post('password/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a new password with the mailed token',
    description:
      'Uses the token up, and voids every other reset token of the user. Ends every session of the user and clears its account throttle; a second factor stays on. Refused (400 INVALID_TOKEN) when the token is unknown, expired or used, or the password changed since it was sent.',
  })
  @ApiEnvelope(200, 'boolean', 'The password is changed')
  @ApiErrors(ErrorCode.VALIDATION_ERROR, ErrorCode.INVALID_TOKEN, ErrorCode.PAYLOAD_TOO_LARGE)
  async resetPassword(
    @Body() input: ResetPasswordInput,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.resets.reset(input, client);
    return true;
  }
}
