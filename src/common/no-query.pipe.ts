import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from './app-error';

/**
 * For `@Query()` of a listing that takes no parameters: any parameter is 400 VALIDATION_ERROR,
 * worded as the validation pipe words an unknown field, as the contract does for unknown fields.
 * A client that sends `?limit=1` learns at once that this listing does not page, instead of
 * receiving every item.
 */
@Injectable()
export class NoQueryPipe implements PipeTransform<Record<string, unknown>, void> {
  transform(query: Record<string, unknown>): void {
    const fields = Object.keys(query);
    if (fields.length === 0) return;
    throw new AppError(
      ErrorCode.VALIDATION_ERROR,
      'Validation failed',
      fields.map((field) => ({ field, message: `property ${field} should not exist` })),
    );
  }
}
