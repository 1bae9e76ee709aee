import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser, Public } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { PASSWORD_HASHING_COMPLEXITY } from '../common/graphql/graphql-limits';
import { AuthRateLimited } from '../rate-limit/throttlers';
import { User } from '../users/user.model';
import { EmailVerificationService } from './email-verification.service';
import { ForgotPasswordInput } from './forgot-password.input';
import { PasswordResetService } from './password-reset.service';
import { ResetPasswordInput } from './reset-password.input';
import { UpdateMeInput } from './update-me.input';
import { VerifyEmailArgs } from './verify-email.args';

/** The GraphQL face of email verification and password reset. */
@Resolver()
export class RecoveryResolver {
  constructor(
    private readonly emails: EmailVerificationService,
    private readonly resets: PasswordResetService,
  ) {}

  @Mutation(() => User, {
    description:
      'Sets, changes or (null) removes the own email address; needs a fresh password sign-in (FRESH_LOGIN_MAX_AGE). A new address is unverified and gets a verification mail; a verified old one gets a notice. CONFLICT (EMAIL_TAKEN) when another user has it.',
  })
  updateMe(
    @Args('input') input: UpdateMeInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<User> {
    return this.emails.updateMe(user, input, client);
  }

  @Mutation(() => Boolean, {
    description:
      'Mails a verification link (APP_URL/verify-email?token=…) to the own unverified address; nothing when it is verified. BAD_USER_INPUT (EMAIL_REQUIRED) without an address.',
  })
  async sendEmailVerification(@CurrentUser() user: AuthUser): Promise<true> {
    await this.emails.sendVerification(user);
    return true;
  }

  @Public()
  @Mutation(() => Boolean, {
    description:
      'Verifies the email address with the mailed token, using it up. BAD_USER_INPUT (INVALID_TOKEN) when it is unknown, expired, used, or the address changed since.',
  })
  async verifyEmail(@Args() args: VerifyEmailArgs, @Client() client: ClientInfo): Promise<true> {
    await this.emails.verify(args.token, client);
    return true;
  }

  @Public()
  @AuthRateLimited()
  @Mutation(() => Boolean, {
    description:
      'Asks for a password reset mail by `username` or `email` (exactly one). Always true, whether or not the account exists: the mail goes only to a verified address of an enabled account, at most 3 an hour.',
  })
  async forgotPassword(
    @Args('input') input: ForgotPasswordInput,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.resets.forgot(input, client);
    return true;
  }

  @Public()
  @Mutation(() => Boolean, {
    description:
      'Sets a new password with the mailed reset token, using it up: ends every session of the user and clears its account throttle. BAD_USER_INPUT (INVALID_TOKEN) when it is unknown, expired or used.',
    complexity: PASSWORD_HASHING_COMPLEXITY,
  })
  async resetPassword(
    @Args('input') input: ResetPasswordInput,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.resets.reset(input, client);
    return true;
  }

  @Mutation(() => Boolean, {
    description:
      'Admin only: mails the user a password reset link to its verified address (BAD_USER_INPUT, EMAIL_REQUIRED without one). The admin never sees the token.',
  })
  async sendPasswordReset(
    @Args('userId', { type: () => ID }, ParseObjectIdPipe) userId: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.resets.sendByAdmin(user, userId, client);
    return true;
  }
}
