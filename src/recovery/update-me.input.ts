import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { EMAIL_DOC } from '../common/api-docs/api-docs';
import { ApiBodyKeywords } from '../common/api-docs/api-docs-extensions';
import { IsEmailAddress } from '../common/validation/validation-decorators';

/** The caller's own changes: its email address, set, changed or removed (null). */
@InputType()
@ApiBodyKeywords({ required: ['email'] })
export class UpdateMeInput {
  /**
   * The new address, or null to remove it. Stored trimmed and lower-cased, unverified: a
   * verification mail goes to it (and a notice to the old address, if that was verified).
   */
  @Field(() => String, { nullable: true })
  @ApiProperty({ ...EMAIL_DOC, type: String, nullable: true })
  // null removes the address; only a missing field is refused
  @ValidateIf((_input, value) => value !== null)
  @IsEmailAddress()
  email!: string | null;
}
