import { ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { EMAIL_RULE, isValidEmail } from './email-address';
import {
  isValidPassword,
  isValidUsername,
  PASSWORD_MAX_BYTES,
  PASSWORD_RULE,
  USERNAME_RULE,
} from './credential-rules';

export const IsUsername = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isUsername',
      validator: {
        validate: isValidUsername,
        defaultMessage: () => `$property must be ${USERNAME_RULE}`,
      },
    },
    options,
  );

export const IsPassword = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isPassword',
      validator: {
        validate: isValidPassword,
        defaultMessage: () => `$property must be ${PASSWORD_RULE}`,
      },
    },
    options,
  );

export const IsEmailAddress = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isEmailAddress',
      validator: {
        validate: isValidEmail,
        defaultMessage: () => `$property must be ${EMAIL_RULE}`,
      },
    },
    options,
  );

/** A string of at most `maxBytes` in UTF-8: what a candidate password to compare may be. */
export const IsShortString = (
  maxBytes: number = PASSWORD_MAX_BYTES,
  options?: ValidationOptions,
): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isShortString',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.length > 0 &&
          Buffer.byteLength(value, 'utf8') <= maxBytes,
        defaultMessage: () => `$property must be a non-empty string of at most ${maxBytes} bytes`,
      },
    },
    options,
  );

/**
 * A non-empty string of any length: a one-time code or token, which is refused as wrong (401),
 * not as malformed, whatever else it is. BODY_LIMIT bounds it.
 */
export const IsNonEmptyString = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isNonEmptyString',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length > 0,
        defaultMessage: () => '$property must be a non-empty string',
      },
    },
    options,
  );

/**
 * A field that may be left out, but not sent as `null`: unlike IsOptional, only a missing value
 * skips the field's other checks, so `{ "role": null }` is refused instead of stored.
 */
export const IsOptionalNotNull = (): PropertyDecorator =>
  ValidateIf((_object, value) => value !== undefined);
