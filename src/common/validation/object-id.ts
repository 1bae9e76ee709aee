import { Transform } from 'class-transformer';
import { Types } from 'mongoose';

/**
 * The one spelling of an id in the API: an ObjectId's 24 hexadecimal digits. Either case is
 * taken; ids are stored, compared and answered in lower case.
 */
export const OBJECT_ID_PATTERN = '^[0-9a-fA-F]{24}$';
const OBJECT_ID = new RegExp(OBJECT_ID_PATTERN);

export function isObjectIdString(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** The ObjectId that `value` spells, or undefined when it spells none. */
export function objectIdOf(value: unknown): Types.ObjectId | undefined {
  return isObjectIdString(value) ? new Types.ObjectId(value) : undefined;
}

/** An id argument or field in lower case (other values are left for validation to refuse). */
export const LowerCaseId = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
