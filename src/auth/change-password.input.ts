import { InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { CANDIDATE_PASSWORD_DOC, PASSWORD_DOC } from '../common/api-docs/api-docs';
import { IsPassword, IsShortString } from '../common/validation/validation-decorators';

@InputType()
export class ChangePasswordInput {
  /** @example "correct horse battery staple" */
  @ApiProperty(CANDIDATE_PASSWORD_DOC)
  @IsShortString()
  currentPassword!: string;

  /**
   * 8-72 bytes in UTF-8.
   * @example "a much longer passphrase"
   */
  @ApiProperty(PASSWORD_DOC)
  @IsPassword()
  newPassword!: string;
}
