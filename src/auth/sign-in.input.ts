import { InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { CANDIDATE_PASSWORD_DOC } from '../common/api-docs/api-docs';
import { IsShortString } from '../common/validation/validation-decorators';

/** Only shape is checked here: a wrong username and a wrong password get the same 401. */
@InputType()
export class SignInInput {
  /** @example "ada.lovelace" */
  @ApiProperty({ minLength: 1, maxLength: 64 })
  @IsShortString(64)
  username!: string;

  /** @example "correct horse battery staple" */
  @ApiProperty(CANDIDATE_PASSWORD_DOC)
  @IsShortString()
  password!: string;
}
