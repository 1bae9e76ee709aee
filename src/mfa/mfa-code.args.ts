import { ArgsType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsNonEmptyString } from '../common/validation/validation-decorators';

/** A code of the second factor, for the routes that need one besides a fresh login. */
@ArgsType()
export class MfaCodeArgs {
  /**
   * A current 6-digit TOTP code from the authenticator app, or an unused recovery code (where
   * the route takes one). Spaces and hyphens are ignored.
   * @example "123456"
   */
  @ApiProperty({ minLength: 1 })
  @IsNonEmptyString()
  code!: string;
}
