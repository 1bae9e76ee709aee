import type { Logger } from '@nestjs/common';
import { AppError, ErrorCode } from './app-error';

/** Unexpected errors are logged with the request id; known ones are the caller's business. */
export function logUnexpected(
  logger: Logger,
  exception: unknown,
  error: AppError,
  requestId: string,
): void {
  if (error.code === ErrorCode.INTERNAL_ERROR) {
    logger.error(
      `requestId=${requestId} ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
    );
  } else if (error.code === ErrorCode.SERVICE_UNAVAILABLE) {
    logger.warn(
      `requestId=${requestId} database unavailable: ${exception instanceof Error ? exception.message : ''}`,
    );
  }
}
