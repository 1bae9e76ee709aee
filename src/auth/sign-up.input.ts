import { InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_DOC, PASSWORD_DOC, USERNAME_DOC } from '../common/api-docs/api-docs';
import {
  IsEmailAddress,
  IsOptionalNotNull,
  IsPassword,
  IsUsername,
} from '../common/validation/validation-decorators';

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

  /**
   * Optional (required when the server has REQUIRE_EMAIL_VERIFICATION on): unique without regard
   * to case, stored trimmed and lower-cased; a verification mail goes to it.
   */
  @ApiProperty({ ...EMAIL_DOC, required: false })
  @IsOptionalNotNull()
  @IsEmailAddress()
  email?: string;
}
