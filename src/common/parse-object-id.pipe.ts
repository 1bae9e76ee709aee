import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from './app-error';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

export function isObjectIdString(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** The ObjectId that `value` spells, or undefined when it spells none. */
export function objectIdOf(value: unknown): Types.ObjectId | undefined {
  return isObjectIdString(value) ? new Types.ObjectId(value) : undefined;
}

/** A well-formed 24-hex ObjectId string, else VALIDATION_ERROR naming the parameter. */
@Injectable()
export class ParseObjectIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (isObjectIdString(value)) return value.toLowerCase();
    const field = metadata.data ?? 'id';
    throw new AppError(ErrorCode.VALIDATION_ERROR, 'Validation failed', [
      { field, message: `${field} must be a 24-character hexadecimal ObjectId` },
    ]);
  }
}
