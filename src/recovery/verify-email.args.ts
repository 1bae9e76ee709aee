import { ArgsType, Field } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsShortString } from '../common/validation/validation-decorators';

/** Mailed tokens are 59 characters; anything much longer is no token of ours. */
export const ONE_TIME_TOKEN_MAX_LENGTH = 512;
export const ONE_TIME_TOKEN_DOC = {
  minLength: 1,
  maxLength: ONE_TIME_TOKEN_MAX_LENGTH,
  example: 'ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTBmZWRjYmE5ODc2NTQzMjEw',
};

@ArgsType()
export class VerifyEmailArgs {
  /** The token of the verification link (its `token` query parameter). */
  @Field(() => String)
  @ApiProperty(ONE_TIME_TOKEN_DOC)
  @IsShortString(ONE_TIME_TOKEN_MAX_LENGTH)
  token!: string;
}
