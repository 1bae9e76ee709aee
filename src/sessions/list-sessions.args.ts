import { ArgsType, Field, ID } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsMongoId } from 'class-validator';
import { PageArgs } from '../graphql/page.args';

/** `sessions(userId, limit, after)`: the page arguments and whose sessions. */
@ArgsType()
export class ListSessionsArgs extends PageArgs {
  /** The user whose active sessions to list. */
  @Field(() => ID)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @IsMongoId()
  userId!: string;
}
