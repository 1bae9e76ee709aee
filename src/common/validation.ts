import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode, FieldError } from './app-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Field errors as the contract lists them: `{ field, message }`. */
export function validationError(errors: ValidationError[]): AppError {
  return new AppError(ErrorCode.VALIDATION_ERROR, 'Validation failed', flatten(errors));
}

/** Unknown fields and wrong types are refused; nothing unvalidated reaches a service. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationError,
  });
}
