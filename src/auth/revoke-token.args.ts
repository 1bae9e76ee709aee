import { ArgsType, Field } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { IsShortString } from '../common/validators';

@ArgsType()
export class RevokeTokenArgs {
  /** The refresh token to revoke; when absent, the refresh cookie's token is revoked. */
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsShortString(512)
  token?: string;
}
