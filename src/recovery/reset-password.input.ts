import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { PASSWORD_DOC } from '../common/api-docs/api-docs';
import { IsPassword, IsShortString } from '../common/validation/validation-decorators';
import { ONE_TIME_TOKEN_DOC, ONE_TIME_TOKEN_MAX_LENGTH } from './verify-email.args';

@InputType()
export class ResetPasswordInput {
  /** The token of the reset link (its `token` query parameter). */
  @Field(() => String)
  @ApiProperty(ONE_TIME_TOKEN_DOC)
  @IsShortString(ONE_TIME_TOKEN_MAX_LENGTH)
  token!: string;

  /**
   * 8-72 bytes in UTF-8.
   * @example "a much longer passphrase"
   */
  @ApiProperty(PASSWORD_DOC)
  @IsPassword()
  newPassword!: string;
}
