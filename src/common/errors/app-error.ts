/** Every error the service answers with, by its contract code. */
export enum ErrorCode {
  VALIDATION_ERROR = 'VALIDATION_ERROR',
  TOKEN_REQUIRED = 'TOKEN_REQUIRED',
  INVALID_TOKEN = 'INVALID_TOKEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  UNAUTHORIZED = 'UNAUTHORIZED',
  INVALID_REFRESH_TOKEN = 'INVALID_REFRESH_TOKEN',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  SESSION_EXPIRED = 'SESSION_EXPIRED',
  FORBIDDEN = 'FORBIDDEN',
  FRESH_LOGIN_REQUIRED = 'FRESH_LOGIN_REQUIRED',
  ACCOUNT_DISABLED = 'ACCOUNT_DISABLED',
  EMAIL_NOT_VERIFIED = 'EMAIL_NOT_VERIFIED',
  MFA_REQUIRED = 'MFA_REQUIRED',
  INVALID_MFA_TOKEN = 'INVALID_MFA_TOKEN',
  INVALID_MFA_CODE = 'INVALID_MFA_CODE',
  MFA_ALREADY_ENABLED = 'MFA_ALREADY_ENABLED',
  MFA_SETUP_REQUIRED = 'MFA_SETUP_REQUIRED',
  MFA_NOT_ENABLED = 'MFA_NOT_ENABLED',
  EMAIL_REQUIRED = 'EMAIL_REQUIRED',
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  ORIGIN_NOT_ALLOWED = 'ORIGIN_NOT_ALLOWED',
  MAIL_NOT_CONFIGURED = 'MAIL_NOT_CONFIGURED',
  NOT_FOUND = 'NOT_FOUND',
  USERNAME_TAKEN = 'USERNAME_TAKEN',
  LAST_ADMIN = 'LAST_ADMIN',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}

export interface FieldError {
  field: string;
  message: string;
}

/** How each code is answered on each transport. A `Record` so that a new code cannot be forgotten. */
export const ERROR_CODE_MAPPING: Record<
  ErrorCode,
  { httpStatus: number; graphqlCode: string; defaultMessage: string }
> = {
  VALIDATION_ERROR: {
    httpStatus: 400,
    graphqlCode: 'BAD_USER_INPUT',
    defaultMessage: 'Validation failed',
  },
  TOKEN_REQUIRED: {
    httpStatus: 400,
    graphqlCode: 'BAD_USER_INPUT',
    defaultMessage: 'A refresh token is required in the body or the cookie',
  },
  INVALID_TOKEN: {
    httpStatus: 400,
    graphqlCode: 'BAD_USER_INPUT',
    defaultMessage: 'The token is unknown, expired or already revoked',
  },
  INVALID_CREDENTIALS: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage: 'Invalid username or password',
  },
  UNAUTHORIZED: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage: 'A valid access token is required',
  },
  INVALID_REFRESH_TOKEN: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage: 'The refresh token is missing, unknown, expired or revoked',
  },
  REFRESH_TOKEN_REUSED: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage: 'The refresh token was already used; the session has been ended',
  },
  SESSION_EXPIRED: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage: 'The session reached its maximum lifetime; sign in again',
  },
  FORBIDDEN: {
    httpStatus: 403,
    graphqlCode: 'FORBIDDEN',
    defaultMessage: 'You are not allowed to do this',
  },
  FRESH_LOGIN_REQUIRED: {
    httpStatus: 403,
    graphqlCode: 'FORBIDDEN',
    defaultMessage: 'Sign in again with your password to do this',
  },
  ACCOUNT_DISABLED: {
    httpStatus: 403,
    graphqlCode: 'FORBIDDEN',
    defaultMessage: 'This account is disabled',
  },
  EMAIL_NOT_VERIFIED: {
    httpStatus: 403,
    graphqlCode: 'FORBIDDEN',
    defaultMessage: 'Verify your email address before signing in',
  },
  MFA_REQUIRED: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage:
      'A second factor is required: send the mfaToken with a code to /auth/mfa/verify',
  },
  INVALID_MFA_TOKEN: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage:
      'The mfaToken is unknown, expired or already used, or the second factor changed since; sign in again',
  },
  INVALID_MFA_CODE: {
    httpStatus: 401,
    graphqlCode: 'UNAUTHENTICATED',
    defaultMessage: 'The code is wrong, expired or already used',
  },
  MFA_ALREADY_ENABLED: {
    httpStatus: 409,
    graphqlCode: 'CONFLICT',
    defaultMessage: 'The second factor is already on',
  },
  MFA_SETUP_REQUIRED: {
    httpStatus: 409,
    graphqlCode: 'CONFLICT',
    defaultMessage: 'There is no second-factor setup to confirm; start one first',
  },
  MFA_NOT_ENABLED: {
    httpStatus: 409,
    graphqlCode: 'CONFLICT',
    defaultMessage: 'The second factor is not on',
  },
  EMAIL_REQUIRED: {
    httpStatus: 400,
    graphqlCode: 'BAD_USER_INPUT',
    defaultMessage: 'The user has no email address to send this to',
  },
  EMAIL_TAKEN: {
    httpStatus: 409,
    graphqlCode: 'CONFLICT',
    defaultMessage: 'This email address is already used by another user',
  },
  ORIGIN_NOT_ALLOWED: {
    httpStatus: 403,
    graphqlCode: 'FORBIDDEN',
    defaultMessage: 'Requests from this origin may not use the refresh cookie',
  },
  MAIL_NOT_CONFIGURED: {
    httpStatus: 503,
    graphqlCode: 'SERVICE_UNAVAILABLE',
    defaultMessage: 'Mail is not configured on this server',
  },
  NOT_FOUND: { httpStatus: 404, graphqlCode: 'NOT_FOUND', defaultMessage: 'Not found' },
  USERNAME_TAKEN: {
    httpStatus: 409,
    graphqlCode: 'CONFLICT',
    defaultMessage: 'This username is already taken',
  },
  LAST_ADMIN: {
    httpStatus: 409,
    graphqlCode: 'CONFLICT',
    defaultMessage: 'The last active admin cannot be demoted, disabled or deleted',
  },
  PAYLOAD_TOO_LARGE: {
    httpStatus: 413,
    graphqlCode: 'PAYLOAD_TOO_LARGE',
    defaultMessage: 'The request body is too large',
  },
  TOO_MANY_REQUESTS: {
    httpStatus: 429,
    graphqlCode: 'TOO_MANY_REQUESTS',
    defaultMessage: 'Too many requests, try again later',
  },
  SERVICE_UNAVAILABLE: {
    httpStatus: 503,
    graphqlCode: 'SERVICE_UNAVAILABLE',
    defaultMessage: 'The service is temporarily unavailable',
  },
  INTERNAL_ERROR: {
    httpStatus: 500,
    graphqlCode: 'INTERNAL_SERVER_ERROR',
    defaultMessage: 'Internal server error',
  },
};

/** A domain error: services throw these, each transport maps them once. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: FieldError[] = [],
    /** Seconds, for TOO_MANY_REQUESTS. */
    readonly retryAfterSeconds?: number,
    /**
     * What the client needs besides the code (say, MFA_REQUIRED's `mfaToken`): REST answers them
     * beside `error.code`, GraphQL in `extensions`. Never a submitted value.
     */
    readonly publicFields: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? ERROR_CODE_MAPPING[code].defaultMessage);
  }

  get httpStatus(): number {
    return ERROR_CODE_MAPPING[this.code].httpStatus;
  }

  get graphqlCode(): string {
    return ERROR_CODE_MAPPING[this.code].graphqlCode;
  }
}

/**
 * The brute-force layer that refused a request: per (client IP, username), per client IP on the
 * sign-in routes, the account throttle, a device's own throttle, or API_RATE_LIMIT elsewhere.
 */
export type RateLimitLayer = 'ip_username' | 'ip' | 'account' | 'device' | 'api';

/** TOO_MANY_REQUESTS, naming the layer that refused (the `layer` label of the metrics). */
export class RateLimitedError extends AppError {
  constructor(
    readonly layer: RateLimitLayer,
    retryAfterSeconds: number,
  ) {
    super(ErrorCode.TOO_MANY_REQUESTS, undefined, [], retryAfterSeconds);
  }
}

/** MFA_REQUIRED: the password was right; the second step needs this `mfaToken` and a code. */
export class MfaRequiredError extends AppError {
  constructor(mfaToken: string) {
    super(ErrorCode.MFA_REQUIRED, undefined, [], undefined, { mfaToken });
  }
}
