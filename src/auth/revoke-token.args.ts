import { ArgsType, Field } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsShortString } from '../common/validation/validation-decorators';

@ArgsType()
export class RevokeTokenArgs {
  /** The refresh token to revoke; when absent or null, the refresh cookie's token is revoked. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ required: false, nullable: true, minLength: 1, maxLength: 512 })
  @IsOptional()
  @IsShortString(512)
  token?: string;
}
