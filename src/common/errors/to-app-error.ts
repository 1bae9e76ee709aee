import { HttpException } from '@nestjs/common';
import { Error as MongooseError } from 'mongoose';
import { AppError, ErrorCode } from './app-error';
import { isDatabaseUnavailable, isFailoverError } from './database-failures';

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.VALIDATION_ERROR,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.NOT_FOUND,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.VALIDATION_ERROR,
  429: ErrorCode.TOO_MANY_REQUESTS,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

/**
 * The one place that turns anything thrown into an {@link AppError}. Unknown errors become
 * INTERNAL_ERROR with the generic message, so no internals reach a client.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // no database, or a failover that outlasted the one retry: the client may send it again later
  if (isDatabaseUnavailable(error) || isFailoverError(error))
    return new AppError(ErrorCode.SERVICE_UNAVAILABLE);
  if (error instanceof MongooseError.CastError) {
    return new AppError(ErrorCode.VALIDATION_ERROR, undefined, [
      { field: error.path, message: `${error.path} is malformed` },
    ]);
  }
  if (error instanceof HttpException) return fromHttpException(error);
  if (isBodyParserError(error)) return fromBodyParserError(error);
  return new AppError(ErrorCode.INTERNAL_ERROR);
}

function fromHttpException(error: HttpException): AppError {
  const status = error.getStatus();
  const code =
    HTTP_STATUS_CODES[status] ??
    (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.VALIDATION_ERROR);
  if (code === ErrorCode.INTERNAL_ERROR) return new AppError(code);
  if (code === ErrorCode.NOT_FOUND) return new AppError(code, 'Route not found');
  if (code === ErrorCode.VALIDATION_ERROR) return new AppError(code, describeBadRequest(error));
  return new AppError(code);
}

/** Nest turns body-parser's SyntaxError into a BadRequestException carrying the parser's text. */
function describeBadRequest(error: HttpException): string {
  return error.cause instanceof SyntaxError || /JSON/.test(error.message)
    ? 'The request body is not valid JSON'
    : 'The request is malformed';
}

interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string' &&
    typeof (error as BodyParserError).status === 'number'
  );
}

function fromBodyParserError(error: BodyParserError): AppError {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError(ErrorCode.PAYLOAD_TOO_LARGE);
    case 'entity.too.deep':
      return new AppError(ErrorCode.VALIDATION_ERROR, 'The request body is nested too deeply');
    case 'entity.parse.failed':
      return new AppError(ErrorCode.VALIDATION_ERROR, 'The request body is not valid JSON');
    default:
      return error.status < 500
        ? new AppError(ErrorCode.VALIDATION_ERROR, 'The request body could not be read')
        : new AppError(ErrorCode.INTERNAL_ERROR);
  }
}
