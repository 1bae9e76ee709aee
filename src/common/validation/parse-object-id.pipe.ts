import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from '../errors/app-error';
import { isObjectIdString } from './object-id';

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
