import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode, FieldError } from '../errors/app-error';

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

/** Argument classes whose validated values are kept for equal input: see {@link ReusableValidation}. */
const reusableClasses = new WeakSet<object>();
/** Distinct inputs kept per class; the memory starts over when full. */
const MAX_REMEMBERED_INPUTS = 1000;

/**
 * Marks an argument class of a few primitives and no secrets (paging arguments) whose validated
 * value may serve every equal input. GraphQL validates a nested list field's arguments once per
 * parent: `users { refreshTokens(limit: 10) }` ran class-transformer and class-validator 100 times
 * on the same `{ limit: 10 }` in one request. The kept value is frozen, so no caller can change
 * what the next one receives; invalid input is never kept and is refused every time.
 */
export function ReusableValidation(): ClassDecorator {
  return (target) => {
    reusableClasses.add(target);
  };
}

/** The memory key of a flat object of primitives, or undefined for anything else. */
function flatInputKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // graphql-js builds arguments on a null prototype
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== null && prototype !== Object.prototype) return undefined;
  let key = '';
  for (const [name, field] of Object.entries(value)) {
    if (field !== null && typeof field === 'object') return undefined;
    const text = String(field);
    // length-prefixed, so that no two inputs share a key
    key += `${name.length}:${name}${typeof field}${text.length}:${text}`;
  }
  return key;
}

/**
 * Nest's ValidationPipe with two additions. `forbidNonWhitelisted` cannot see `__proto__` or
 * `constructor`: class-transformer drops them before validation, so they would be accepted
 * silently instead of refused like any unknown field; they are refused first. And the validated
 * values of {@link ReusableValidation} classes are kept per distinct input.
 */
class StrictValidationPipe extends ValidationPipe {
  private readonly remembered = new WeakMap<object, Map<string, unknown>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const slot = this.memorySlot(value, metadata);
    // only input that passed every check below is kept
    if (slot?.memory.has(slot.key)) return slot.memory.get(slot.key);

    const field =
      metadata.type === 'body' || metadata.type === 'query' ? droppedKey(value) : undefined;
    if (field !== undefined) {
      throw new AppError(ErrorCode.VALIDATION_ERROR, 'Validation failed', [
        { field, message: `property ${field} should not exist` },
      ]);
    }
    if (slot === undefined) return super.transform(value, metadata) as Promise<unknown>;

    const validated: unknown = Object.freeze(await super.transform(value, metadata));
    if (slot.memory.size >= MAX_REMEMBERED_INPUTS) slot.memory.clear();
    slot.memory.set(slot.key, validated);
    return validated;
  }

  /** Where a validated value of a reusable class is kept, or undefined for any other input. */
  private memorySlot(
    value: unknown,
    { metatype }: ArgumentMetadata,
  ): { memory: Map<string, unknown>; key: string } | undefined {
    if (metatype === undefined || !reusableClasses.has(metatype)) return undefined;
    const key = flatInputKey(value);
    if (key === undefined) return undefined;
    let memory = this.remembered.get(metatype);
    if (memory === undefined) {
      memory = new Map();
      this.remembered.set(metatype, memory);
    }
    return { memory, key };
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
