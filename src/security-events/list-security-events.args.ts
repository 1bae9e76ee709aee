import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';
import { OBJECT_ID_PATTERN } from '../common/api-docs';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../graphql/page.args';

/** Paging for a user's security events, newest first. */
@ArgsType()
export class ListSecurityEventsArgs {
  /** Page size, 1-1000 (default 100). */
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE })
  @ApiProperty({
    required: false,
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  })
  @IsOptional()
  // query strings: plain decimal digits only ('1e2', '0x10', ' 5' stay strings and fail @IsInt)
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  /** Return events older than this event id. */
  @Field(() => ID, { nullable: true })
  @ApiProperty({ required: false, pattern: OBJECT_ID_PATTERN })
  @IsOptional()
  @IsMongoId()
  after?: string;
}

/** `securityEvents(userId, limit, after)`: whose events, and the page. */
@ArgsType()
export class SecurityEventsOfUserArgs extends ListSecurityEventsArgs {
  /** The user whose events to list. */
  @Field(() => ID)
  @IsMongoId()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  )
  userId!: string;
}
