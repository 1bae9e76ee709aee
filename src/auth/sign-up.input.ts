import { InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { PASSWORD_DOC, USERNAME_DOC } from '../common/api-docs';
import { IsPassword, IsUsername } from '../common/validation-decorators';

@InputType()
export class SignUpInput {
  /**
   * 3-32 characters of A-Z a-z 0-9 . _ -, unique without regard to case.
   * @example "ada.lovelace"
   */
  @ApiProperty(USERNAME_DOC)
  @IsUsername()
  username!: string;

  /**
   * 8-72 bytes in UTF-8; longer is refused, never cut.
   * @example "correct horse battery staple"
   */
  @ApiProperty(PASSWORD_DOC)
  @IsPassword()
  password!: string;
}
