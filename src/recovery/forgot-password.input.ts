import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy, ValidationArguments } from 'class-validator';
import { EMAIL_DOC } from '../common/api-docs/api-docs';
import { ApiBodyKeywords } from '../common/api-docs/api-docs-extensions';
import { IsEmailAddress, IsOptionalNotNull } from '../common/validation/validation-decorators';

const USERNAME_MAX_LENGTH = 64;

/** What is wrong with `username` given the whole input, or undefined when nothing is. */
function usernameProblem(username: unknown, { object }: ValidationArguments): string | undefined {
  const hasEmail = (object as ForgotPasswordInput).email !== undefined;
  if (username === undefined)
    return hasEmail ? undefined : 'give username or email (exactly one of them)';
  if (hasEmail) return 'give username or email, not both';
  return typeof username === 'string' &&
    username.length > 0 &&
    username.length <= USERNAME_MAX_LENGTH
    ? undefined
    : `username must be a non-empty string of at most ${USERNAME_MAX_LENGTH} characters`;
}

/** The account to reset: exactly one of `username` or `email`. */
@InputType()
@ApiBodyKeywords({ minProperties: 1, maxProperties: 1 })
export class ForgotPasswordInput {
  /** @example "ada.lovelace" */
  @Field(() => String, { nullable: true })
  @ApiProperty({ required: false, minLength: 1, maxLength: USERNAME_MAX_LENGTH })
  @ValidateBy({
    name: 'usernameOrEmail',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        usernameProblem(value, args!) === undefined,
      defaultMessage: (args?: ValidationArguments) => usernameProblem(args!.value, args!) ?? '',
    },
  })
  username?: string;

  /** Matched without regard to case. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ ...EMAIL_DOC, required: false })
  @IsOptionalNotNull()
  @IsEmailAddress()
  email?: string;
}
