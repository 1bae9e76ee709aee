import { ArgsType, Field, ID } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsMongoId } from 'class-validator';
import { PageArgs } from '../graphql/page.args';

/** `refreshTokens(userId, limit, after)`: the page arguments and whose tokens. */
@ArgsType()
export class ListRefreshTokensArgs extends PageArgs {
  /** The user whose tokens to list. */
  @Field(() => ID)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  @IsMongoId()
  userId!: string;
}
