import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

/** Keys class-transformer drops without a word (its prototype-pollution guard). */
const DROPPED_KEYS = ['__proto__', 'constructor'];

/** The first dropped key in a body or query, with its path. */
function droppedKey(value: unknown, parent = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const field = parent ? `${parent}.${key}` : key;
    if (DROPPED_KEYS.includes(key)) return field;
    const nested = droppedKey(child, field);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/**
 * `forbidNonWhitelisted` cannot see `__proto__` or `constructor`: class-transformer drops them
 * before validation, so they would be accepted silently instead of refused like any unknown field.
 */
class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const field =
      metadata.type === 'body' || metadata.type === 'query' ? droppedKey(value) : undefined;
    if (field !== undefined) {
      throw new AppError(ErrorCode.VALIDATION_ERROR, 'Validation failed', [
        { field, message: `property ${field} should not exist` },
      ]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** Unknown fields and wrong types are refused; nothing unvalidated reaches a service. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationError,
  });
}
