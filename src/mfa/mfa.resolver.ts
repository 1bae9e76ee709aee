import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { MfaCodeArgs } from './mfa-code.args';
import { MfaService } from './mfa.service';
import { RecoveryCodes } from './recovery-codes.model';
import { TotpSetup } from './totp-setup.model';

const FRESH_LOGIN = 'Needs a sign-in no older than FRESH_LOGIN_MAX_AGE.';
const CODE_RULES =
  'A wrong code counts as a failed sign-in in the account throttle (UNAUTHENTICATED, INVALID_MFA_CODE); a code is accepted once.';

/** The GraphQL face of second-factor enrolment and the admin's reset. */
@Resolver()
export class MfaResolver {
  constructor(private readonly mfa: MfaService) {}

  @Mutation(() => TotpSetup, {
    description: `${FRESH_LOGIN} A new TOTP secret and its otpauth:// URI, pending until confirmTotp; a new setup replaces a pending one (CONFLICT, MFA_ALREADY_ENABLED while TOTP is on).`,
  })
  setupTotp(@CurrentUser() user: AuthUser): Promise<TotpSetup> {
    return this.mfa.setupTotp(user);
  }

  @Mutation(() => RecoveryCodes, {
    description: `${FRESH_LOGIN} Turns TOTP on with a current code of the pending secret (CONFLICT, MFA_SETUP_REQUIRED without one) and answers 10 recovery codes, shown this once. ${CODE_RULES}`,
  })
  confirmTotp(
    @Args() { code }: MfaCodeArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodes> {
    return this.mfa.confirmTotp(user, code, client);
  }

  @Mutation(() => RecoveryCodes, {
    description: `${FRESH_LOGIN} With a current TOTP code or an unused recovery code, replaces the recovery codes (CONFLICT, MFA_NOT_ENABLED while TOTP is off). ${CODE_RULES}`,
  })
  regenerateRecoveryCodes(
    @Args() { code }: MfaCodeArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodes> {
    return this.mfa.regenerateRecoveryCodes(user, code, client);
  }

  @Mutation(() => Boolean, {
    description: `${FRESH_LOGIN} With a current TOTP code or an unused recovery code, turns the second factor off (CONFLICT, MFA_NOT_ENABLED while it is off). ${CODE_RULES}`,
  })
  async disableMfa(
    @Args() { code }: MfaCodeArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.mfa.disable(user, code, client);
    return true;
  }

  @Mutation(() => Boolean, {
    description:
      "Admin only: turns a user's second factor off (a lost device) and ends all of that user's sessions (CONFLICT, MFA_NOT_ENABLED while it is off).",
  })
  async resetMfa(
    @Args('userId', { type: () => ID }, ParseObjectIdPipe) userId: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.mfa.reset(user, userId, client);
    return true;
  }
}
