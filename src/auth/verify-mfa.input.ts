import { InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../common/api-docs/api-docs';
import { IsNonEmptyString } from '../common/validation/validation-decorators';

/** The second step of a sign-in that answered MFA_REQUIRED. */
@InputType()
export class VerifyMfaInput {
  /** The `mfaToken` of the MFA_REQUIRED answer: single use, valid 5 minutes. */
  @ApiProperty({ minLength: 1, example: EXAMPLE.mfaToken })
  @IsNonEmptyString()
  mfaToken!: string;

  /**
   * A current 6-digit TOTP code from the authenticator app, or an unused recovery code. Spaces
   * and hyphens are ignored.
   * @example "123456"
   */
  @ApiProperty({ minLength: 1 })
  @IsNonEmptyString()
  code!: string;
}
