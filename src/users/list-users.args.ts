import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { OBJECT_ID_PATTERN } from '../common/api-docs';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';

/** Paging for the REST users list; without `limit`, every user is streamed (GraphQL pages: PageArgs). */
export class ListUsersArgs {
  /** Page size, 1-1000. */
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: 1000 })
  @IsOptional()
  // query strings: plain decimal digits only ('1e2', '0x10', ' 5' stay strings and fail @IsInt)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Return users created after this user id. */
  @ApiProperty({ required: false, pattern: OBJECT_ID_PATTERN })
  @IsOptional()
  @IsMongoId()
  after?: string;
}
