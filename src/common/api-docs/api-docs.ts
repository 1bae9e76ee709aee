import { createHash } from 'node:crypto';
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
import { ERROR_CODE_MAPPING, ErrorCode } from '../errors/app-error';
import { EMAIL_MAX_LENGTH, EMAIL_PATTERN } from '../validation/email-address';
import {
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_BYTES,
  USERNAME_PATTERN,
} from '../validation/credential-rules';
import { OBJECT_ID_PATTERN } from '../validation/object-id';

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

const DAY_SECONDS = 86_400;
const later = (at: string, seconds: number): string =>
  new Date(Date.parse(at) + seconds * 1000).toISOString();
/** An ObjectId as the server would make it at `at`: its first 4 bytes are that second. */
const objectIdAt = (at: string, serial: string): string =>
  Math.floor(Date.parse(at) / 1000).toString(16) + serial;
const base64url = (value: object): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

const USER_CREATED_AT = '2026-01-05T09:12:44.120Z';
const SIGNED_IN_AT = '2026-01-12T08:30:05.412Z';
const REFRESHED_AT = '2026-01-14T16:45:10.007Z';
const ANSWERED_AT = '2026-01-14T16:52:31.208Z';
const USER_ID = objectIdAt(USER_CREATED_AT, '4f1a2b3c4d5e6f70');
const SESSION_ID = objectIdAt(SIGNED_IN_AT, '4f1a2b3c4d5e6f71');
const KEY_ID = 'cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s';
const ACCESS_TTL_SECONDS = 900;
const ISSUED_AT_SECONDS = Math.floor(Date.parse(ANSWERED_AT) / 1000);

/**
 * One made-up history every example tells, so the examples agree with each other as real answers
 * would: ada.lovelace signed up, signed in a week later, refreshed two days after that, and the
 * answer shown is from minutes later. Lifetimes are the defaults (REFRESH_TOKEN_TTL 7d,
 * SESSION_MAX_LIFETIME 30d, JWT_ACCESS_TTL 15m); addresses are from the documentation range.
 */
export const EXAMPLE = {
  userId: USER_ID,
  username: 'ada.lovelace',
  userCreatedAt: USER_CREATED_AT,
  sessionId: SESSION_ID,
  signedInAt: SIGNED_IN_AT,
  refreshTokenId: objectIdAt(REFRESHED_AT, '4f1a2b3c4d5e6f72'),
  refreshedAt: REFRESHED_AT,
  refreshExpiresAt: later(REFRESHED_AT, 7 * DAY_SECONDS),
  absoluteExpiresAt: later(SIGNED_IN_AT, 30 * DAY_SECONDS),
  securityEventId: objectIdAt(SIGNED_IN_AT, '4f1a2b3c4d5e6f73'),
  answeredAt: ANSWERED_AT,
  requestId: '0b8c6a9e-2f7d-4e0a-9a51-3c1d2e4f5a6b',
  ip: '203.0.113.42',
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  device: 'Chrome 131 on macOS',
  keyId: KEY_ID,
  accessTtlSeconds: ACCESS_TTL_SECONDS,
  /** Shaped like a real one (header, claims, 64-byte ES256 signature); signed by no key. */
  accessToken: [
    base64url({ alg: 'ES256', typ: 'at+jwt', kid: KEY_ID }),
    base64url({
      sub: USER_ID,
      username: 'ada.lovelace',
      role: 'user',
      sid: SESSION_ID,
      fresh: true,
      amr: ['pwd'],
      iat: ISSUED_AT_SECONDS,
      exp: ISSUED_AT_SECONDS + ACCESS_TTL_SECONDS,
      aud: 'nest-auth-service-clients',
      iss: 'nest-auth-service',
      jti: '3f2c9b7e-8d41-4c6a-b0e5-71a9d2c4e8f6',
    }),
    createHash('sha512').update('an example signature').digest('base64url'),
  ].join('.'),
  // a split token: the pending sign-in's id, then 256 random bits
  mfaToken: Buffer.concat([
    Buffer.from('6752d1a4c3b84e0012f09a3b', 'hex'),
    createHash('sha256').update('an example MFA token').digest(),
  ]).toString('base64url'),
} as const;

/**
 * Example values of path parameters, by name, for the path an example answer shows. Swagger UI
 * fills a parameter's own example into "Try it out", and these ids belong to nobody there.
 */
export const PATH_PARAMETER_EXAMPLES: Record<string, string> = {
  id: EXAMPLE.userId,
  sessionId: EXAMPLE.sessionId,
};

/** What an error body carries besides code, message and details, for the codes that carry more. */
const ERROR_EXTRAS: Partial<Record<ErrorCode, object>> = {
  [ErrorCode.MFA_REQUIRED]: { mfaToken: EXAMPLE.mfaToken },
};

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

  @ApiProperty({
    required: false,
    description:
      'Only with MFA_REQUIRED: single use, for POST /auth/mfa/verify with a code of the second factor.',
    example: EXAMPLE.mfaToken,
  })
  mfaToken?: string;
}

/**
 * The fields in the order real answers have them (`success` first, `data` or `error` last).
 * `statusCode` and `path` get each answer's own example when the document is built.
 */
abstract class EnvelopeDoc {
  @ApiProperty()
  success!: boolean;

  @ApiProperty({ description: 'Equals the HTTP status.' })
  statusCode!: number;

  @ApiProperty({ description: 'The request path, without the query string.' })
  path!: string;

  @ApiProperty({ format: 'date-time', example: EXAMPLE.answeredAt })
  timestamp!: string;

  @ApiProperty({
    description: 'Equals the X-Request-Id response header.',
    example: EXAMPLE.requestId,
  })
  requestId!: string;
}

export class SuccessEnvelopeDoc extends EnvelopeDoc {
  @ApiProperty({ enum: [true] })
  override success = true as const;
}

export class ErrorEnvelopeDoc extends EnvelopeDoc {
  @ApiProperty({ enum: [false] })
  override success = false as const;

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
 * The error envelope a code is answered with on `path`, its fields in the order real answers have
 * them. `ApiErrors` leaves the path empty; the document builder fills in each route's own.
 */
export function errorEnvelopeExample(code: ErrorCode, path = '') {
  const { httpStatus, defaultMessage } = ERROR_CODE_MAPPING[code];
  const details =
    code === ErrorCode.VALIDATION_ERROR ? [{ field: '<field>', message: '<what is wrong>' }] : [];
  return {
    success: false,
    statusCode: httpStatus,
    path,
    timestamp: EXAMPLE.answeredAt,
    requestId: EXAMPLE.requestId,
    error: { code, message: defaultMessage, details, ...ERROR_EXTRAS[code] },
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
 * Documents that a route reads the refresh cookie, and what for: a cookie parameter named
 * `REFRESH_COOKIE_NAME`, never required (the browser sends the HttpOnly cookie by itself, and
 * Swagger UI cannot set it), and how to send it with curl.
 */
export function ApiRefreshCookie(purpose: string) {
  return ApiExtension(REFRESH_COOKIE_EXTENSION, { purpose });
}

/** Documents that a route needs a bearer access token (the global guard enforces it). */
export function ApiAuthenticated(...codes: ErrorCode[]) {
  return applyDecorators(ApiBearerAuth(BEARER_AUTH), ApiErrors(ErrorCode.UNAUTHORIZED, ...codes));
}

/**
 * The `{id}` path parameter of the user routes. No example: Swagger UI would fill it into "Try it
 * out", and an example id belongs to nobody. The page fills in the caller's own after Authorize.
 */
export function ApiUserIdParam() {
  return ApiParam({
    name: 'id',
    description:
      "User id (24-hex ObjectId). Yours is `data.user.id` in the sign-in answer (and `data.id` of GET /auth/me); Swagger UI fills it in after Authorize. Other users' ids: GET /users.",
    schema: { type: 'string', pattern: OBJECT_ID_PATTERN },
  });
}
