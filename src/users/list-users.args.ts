import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';

/** Paging for the users list; without `limit`, every user is returned. */
@ArgsType()
export class ListUsersArgs {
  /** Page size, 1-1000. */
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Return users created after this user id. */
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsMongoId()
  after?: string;
}
