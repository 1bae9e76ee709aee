import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';
import { LowerCaseId, OBJECT_ID_PATTERN } from './object-id';
import { ReusableValidation } from './validation-pipe';

/** The page size of a list when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** A validated page: `limit` defaulted, `after` (an item id, lower case) when given. */
export interface Page {
  limit: number;
  after?: string;
}

/**
 * `limit` and `after` of every list, on both faces: REST query parameters and GraphQL arguments.
 * No list loads without bound (REST `GET /users` without `limit` streams, the one exception). A
 * GraphQL field that takes these arguments is weighed by the complexity limit as its `limit`
 * times its selection.
 */
@ArgsType()
@ReusableValidation()
export class PageArgs {
  /** Page size, 1-1000 (default 100). */
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE })
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE })
  @IsOptional()
  // query strings: plain decimal digits only ('1e2', '0x10', ' 5' stay strings and fail @IsInt)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number | null;

  /** Start after the item with this id (the last one of the previous page). */
  @Field(() => ID, { nullable: true })
  @ApiProperty({ required: false, pattern: OBJECT_ID_PATTERN })
  @IsOptional()
  @IsMongoId()
  @LowerCaseId()
  after?: string | null;
}

/** A list of one user's items (GraphQL `refreshTokens`, `sessions`, `securityEvents`): whose, and the page. */
@ArgsType()
export class UserPageArgs extends PageArgs {
  /** The user whose items to list. */
  @Field(() => ID)
  @IsMongoId()
  @LowerCaseId()
  userId!: string;
}

/**
 * The page that paging arguments ask for. GraphQL clients send `null` for an argument they leave
 * out (`after: null` on a first page): it means the same as leaving it out.
 */
export function pageOf({ limit, after }: PageArgs): Page {
  return {
    limit: limit ?? DEFAULT_PAGE_SIZE,
    ...(typeof after === 'string' && { after }),
  };
}
