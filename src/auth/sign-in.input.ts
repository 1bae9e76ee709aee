import { InputType } from '@nestjs/graphql';
import { IsShortString } from '../common/validators';

/** Only shape is checked here: a wrong username and a wrong password get the same 401. */
@InputType()
export class SignInInput {
  /** @example "ada.lovelace" */
  @IsShortString(64)
  username!: string;

  /** @example "correct horse battery staple" */
  @IsShortString()
  password!: string;
}
