import { registerEnumType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation/validation-decorators';

/** Which sessions a logout ends. */
export enum LogoutScope {
  /** The caller's current session; clears the cookie. */
  CURRENT = 'current',
  /** Every other session of the caller; keeps this one and its cookie. */
  OTHERS = 'others',
  /** Every session of the caller; clears the cookie. */
  ALL = 'all',
}

registerEnumType(LogoutScope, {
  name: 'LogoutScope',
  description: 'Which sessions a logout ends: CURRENT (the default), OTHERS or ALL.',
});

/** The optional REST body of logout. */
export class LogoutInput {
  /** `current` (the default), `others` or `all`. */
  @ApiProperty({ required: false, enum: LogoutScope, enumName: 'LogoutScope', default: 'current' })
  @IsOptionalNotNull()
  @IsEnum(LogoutScope)
  scope?: LogoutScope;
}
