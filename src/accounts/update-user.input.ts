import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn } from 'class-validator';
import { ApiBodyKeywords } from '../common/api-docs/api-docs-extensions';
import { Role } from '../common/auth-user';
import { IsOptionalNotNull } from '../common/validation/validation-decorators';

/** An admin's changes to a user: `role`, `disabled`, or both (at least one). */
@InputType()
@ApiBodyKeywords({ minProperties: 1 })
export class UpdateUserInput {
  /** `user` or `admin`. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ required: false, enum: Role, enumName: 'Role' })
  @IsOptionalNotNull()
  @IsIn(Object.values(Role), { message: 'role must be user or admin' })
  role?: Role;

  /** True disables the account and ends every session of it at once; false enables it again. */
  @Field(() => Boolean, { nullable: true })
  @ApiProperty({ required: false, type: Boolean })
  @IsOptionalNotNull()
  @IsBoolean({ message: 'disabled must be a boolean' })
  disabled?: boolean;
}
