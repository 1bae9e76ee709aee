import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';

export const DEFAULT_SESSIONS_LIMIT = 100;

/** Paging for a user's sessions in GraphQL: newest first, `limit` 1-1000 (default 100), `after` a session id. */
@ArgsType()
export class SessionsPageArgs {
  /** Page size, 1-1000; 100 when absent. */
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Only sessions opened before this session id. */
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsMongoId()
  after?: string;
}

/** The `sessions` query: whose sessions, and the page. */
@ArgsType()
export class ListSessionsArgs extends SessionsPageArgs {
  @Field(() => ID)
  @IsMongoId()
  userId!: string;
}
