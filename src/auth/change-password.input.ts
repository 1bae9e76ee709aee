import { InputType } from '@nestjs/graphql';
import { IsPassword, IsShortString } from '../common/validators';

@InputType()
export class ChangePasswordInput {
  /** @example "correct horse battery staple" */
  @IsShortString()
  currentPassword!: string;

  /**
   * 8-72 bytes in UTF-8.
   * @example "a much longer passphrase"
   */
  @IsPassword()
  newPassword!: string;
}
