import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiExtraModels,
  ApiParam,
  ApiProperty,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ERROR_CODE_MAPPING, ErrorCode } from './app-error';
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from './email-address';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES, USERNAME_PATTERN } from './credential-rules';
import { OBJECT_ID_PATTERN } from './object-id';

export const BEARER_AUTH = 'bearer';

/** The credential rules as JSON Schema. Lengths are in bytes, which equals characters for ASCII. */
export const USERNAME_DOC = { pattern: USERNAME_PATTERN.source, minLength: 3, maxLength: 32 };
export const PASSWORD_DOC = {
  format: 'password',
  minLength: PASSWORD_MIN_BYTES,
  maxLength: PASSWORD_MAX_BYTES,
};
export const CANDIDATE_PASSWORD_DOC = {
  format: 'password',
  minLength: 1,
  maxLength: PASSWORD_MAX_BYTES,
};
export const EMAIL_DOC = {
  pattern: EMAIL_PATTERN,
  maxLength: EMAIL_MAX_LENGTH,
  example: 'ada@example.com',
};
/** Marks the routes that read the refresh cookie; the document builder turns it into a cookie parameter. */
export const REFRESH_COOKIE_EXTENSION = 'x-reads-refresh-cookie';
const EXAMPLE_TIMESTAMP = '2026-01-01T00:00:00.000Z';
const EXAMPLE_REQUEST_ID = '0b8c6a9e-2f7d-4e0a-9a51-3c1d2e4f5a6b';

class FieldErrorDoc {
  @ApiProperty({ example: 'password' })
  field!: string;

  @ApiProperty({ example: 'password must be 8-72 bytes in UTF-8' })
  message!: string;
}

class ErrorBodyDoc {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_ERROR })
  code!: ErrorCode;

  @ApiProperty({ example: 'Validation failed' })
  message!: string;

  @ApiProperty({
    type: [FieldErrorDoc],
    description: 'Field errors for VALIDATION_ERROR, else empty.',
  })
  details!: FieldErrorDoc[];
}

/** `statusCode` and `path` get each answer's own example when the document is built. */
class EnvelopeDoc {
  @ApiProperty({ description: 'Equals the HTTP status.' })
  statusCode!: number;

  @ApiProperty({ description: 'The request path, without the query string.' })
  path!: string;

  @ApiProperty({ format: 'date-time', example: EXAMPLE_TIMESTAMP })
  timestamp!: string;

  @ApiProperty({
    description: 'Equals the X-Request-Id response header.',
    example: EXAMPLE_REQUEST_ID,
  })
  requestId!: string;
}

export class SuccessEnvelopeDoc extends EnvelopeDoc {
  @ApiProperty({ enum: [true] })
  success!: true;
}

export class ErrorEnvelopeDoc extends EnvelopeDoc {
  @ApiProperty({ enum: [false] })
  success!: false;

  @ApiProperty({ type: ErrorBodyDoc })
  error!: ErrorBodyDoc;
}

type DataShape = Type | [Type] | 'boolean';

function dataSchema(shape: DataShape) {
  if (shape === 'boolean') return { type: 'boolean', enum: [true] };
  if (Array.isArray(shape)) return { type: 'array', items: { $ref: getSchemaPath(shape[0]) } };
  return { $ref: getSchemaPath(shape) };
}

/** Documents a success answer: the envelope with `data` of the given shape. */
export function ApiEnvelope(status: number, shape: DataShape, description: string) {
  const models = shape === 'boolean' ? [] : Array.isArray(shape) ? shape : [shape];
  return applyDecorators(
    ApiExtraModels(SuccessEnvelopeDoc, ...models),
    ApiResponse({
      status,
      description,
      schema: {
        allOf: [
          { $ref: getSchemaPath(SuccessEnvelopeDoc) },
          { type: 'object', properties: { data: dataSchema(shape) }, required: ['data'] },
        ],
      },
    }),
  );
}

/**
 * The error envelope a code is answered with on `path`. `ApiErrors` leaves the path empty; the
 * document builder fills in each route's own.
 */
export function errorEnvelopeExample(code: ErrorCode, path = '') {
  const { httpStatus, defaultMessage } = ERROR_CODE_MAPPING[code];
  const details =
    code === ErrorCode.VALIDATION_ERROR ? [{ field: '<field>', message: '<what is wrong>' }] : [];
  return {
    success: false,
    statusCode: httpStatus,
    error: { code, message: defaultMessage, details },
    path,
    timestamp: EXAMPLE_TIMESTAMP,
    requestId: EXAMPLE_REQUEST_ID,
  };
}

/** One example per code, named by the code. */
export function errorExamples(codes: ErrorCode[]) {
  return Object.fromEntries(
    codes.map((code) => [code, { summary: code, value: errorEnvelopeExample(code) }]),
  );
}

/** Documents error answers, grouped by status, each listing its codes with an example of each. */
export function ApiErrors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODE_MAPPING[code].httpStatus;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDoc),
    ...[...byStatus].map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: statusCodes.join(', '),
        schema: { $ref: getSchemaPath(ErrorEnvelopeDoc) },
        examples: errorExamples(statusCodes),
      }),
    ),
  );
}

/**
 * Documents that a route reads the refresh cookie: a cookie parameter named `REFRESH_COOKIE_NAME`,
 * never required (the browser sends the HttpOnly cookie by itself, and Swagger UI cannot set it).
 */
export function ApiRefreshCookie(description: string) {
  return ApiExtension(REFRESH_COOKIE_EXTENSION, { description });
}

/** Documents that a route needs a bearer access token (the global guard enforces it). */
export function ApiAuthenticated(...codes: ErrorCode[]) {
  return applyDecorators(ApiBearerAuth(BEARER_AUTH), ApiErrors(ErrorCode.UNAUTHORIZED, ...codes));
}

/** The `{id}` path parameter of the user routes. */
export function ApiUserIdParam() {
  return ApiParam({
    name: 'id',
    description: 'User id (24-hex ObjectId)',
    schema: { type: 'string', pattern: OBJECT_ID_PATTERN, example: '665f1c2b9d3e4a0012ab34cd' },
  });
}
