import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';
import { ReusableValidation } from '../common/validation-pipe';

/** The page size of a GraphQL list when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/**
 * `limit` and `after` of every GraphQL list: no list loads without bound. A field that takes
 * these arguments is weighed by the complexity limit as its `limit` times its selection.
 */
@ArgsType()
@ReusableValidation()
export class PageArgs {
  /** Page size, 1-1000. */
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  /** Start after the item with this id (the last one of the previous page). */
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsMongoId()
  after?: string;
}

/** A validated page: `limit` defaulted. */
export interface Page {
  limit: number;
  after?: string;
}

/**
 * The page that paging arguments ask for. GraphQL clients send `null` for an argument they leave
 * out (`after: null` on a first page): it means the same as leaving it out.
 */
export function pageOf({ limit, after }: { limit?: number | null; after?: string | null }): Page {
  // an id in capitals is the same id; listings compare ids as lower-case text
  return {
    limit: limit ?? DEFAULT_PAGE_SIZE,
    ...(typeof after === 'string' && { after: after.toLowerCase() }),
  };
}
