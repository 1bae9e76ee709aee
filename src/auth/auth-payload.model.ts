import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../common/api-docs/api-docs';
import { User } from '../users/user.model';

@ObjectType('AuthPayload')
export class AuthPayload {
  /** A JWT (`typ` at+jwt) for the Authorization: Bearer header. */
  @ApiProperty({ example: EXAMPLE.accessToken })
  accessToken!: string;

  /** Always "Bearer". */
  @ApiProperty({ example: 'Bearer', enum: ['Bearer'] })
  tokenType!: 'Bearer';

  /** Seconds until the access token expires (its `exp - iat`). */
  @Field(() => Int)
  @ApiProperty({ example: EXAMPLE.accessTtlSeconds })
  expiresIn!: number;

  user!: User;
}
