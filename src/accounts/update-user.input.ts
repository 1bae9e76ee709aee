import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { Role } from '../common/auth-user';

/** An admin's changes to a user: `role`, `disabled`, or both (at least one). */
@InputType()
export class UpdateUserInput {
  /** `user` or `admin`. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ required: false, enum: Role, enumName: 'Role' })
  @IsOptional()
  @IsIn(Object.values(Role), { message: 'role must be user or admin' })
  role?: Role;

  /** True disables the account and ends every session of it at once; false enables it again. */
  @Field(() => Boolean, { nullable: true })
  @ApiProperty({ required: false, type: Boolean })
  @IsOptional()
  @IsBoolean({ message: 'disabled must be a boolean' })
  disabled?: boolean;
}
