import { ArgumentsHost } from '@nestjs/common';
import { GqlArgumentsHost, GqlContextType } from '@nestjs/graphql';
import type { Request } from 'express';
import type { GraphQLResolveInfo } from 'graphql';
import { ErrorCode } from '../common/errors/app-error';

/** The auth operations whose outcomes are counted, each with its counter and result labels. */
export const AUTH_OUTCOMES = {
  signIn: {
    metric: 'auth_sign_in_total',
    help: 'Sign-ins (REST and GraphQL) by result',
    rest: 'POST /auth/sign-in',
    graphql: 'signIn',
    succeeded: { cookieSet: 'success', cookieKept: 'success' },
    failed: {
      [ErrorCode.INVALID_CREDENTIALS]: 'invalid_credentials',
      [ErrorCode.MFA_REQUIRED]: 'mfa_required',
      [ErrorCode.TOO_MANY_REQUESTS]: 'throttled',
      [ErrorCode.ACCOUNT_DISABLED]: 'disabled',
      [ErrorCode.EMAIL_NOT_VERIFIED]: 'email_not_verified',
    },
  },
  refresh: {
    metric: 'auth_refresh_total',
    help: 'Refresh-token presentations (REST and GraphQL) by result',
    rest: 'POST /auth/refresh-token',
    graphql: 'refreshToken',
    // a refresh within the reuse grace window answers without a new cookie
    succeeded: { cookieSet: 'rotated', cookieKept: 'grace' },
    failed: {
      [ErrorCode.REFRESH_TOKEN_REUSED]: 'reused',
      [ErrorCode.INVALID_REFRESH_TOKEN]: 'invalid',
      [ErrorCode.SESSION_EXPIRED]: 'expired',
    },
  },
  verifyMfa: {
    metric: 'auth_mfa_total',
    help: 'Second-factor verifications (REST and GraphQL) by result',
    rest: 'POST /auth/mfa/verify',
    graphql: 'verifyMfa',
    succeeded: { cookieSet: 'success', cookieKept: 'success' },
    failed: {
      [ErrorCode.INVALID_MFA_CODE]: 'invalid_code',
      [ErrorCode.INVALID_MFA_TOKEN]: 'invalid_token',
      [ErrorCode.TOO_MANY_REQUESTS]: 'throttled',
    },
  },
} as const satisfies Record<string, AuthOutcomes>;

interface AuthOutcomes {
  metric: string;
  help: string;
  /** `METHOD /route/template` of the REST face. */
  rest: string;
  /** The mutation of the GraphQL face. */
  graphql: string;
  /** The result of an answer, by whether it set a new refresh cookie. */
  succeeded: { cookieSet: string; cookieKept: string };
  /** The result of a refusal, by its code; other refusals (bad input, say) are not counted. */
  failed: Partial<Record<ErrorCode, string>>;
}

export type AuthOperation = keyof typeof AUTH_OUTCOMES;

const OPERATIONS = Object.keys(AUTH_OUTCOMES) as AuthOperation[];
const BY_ROUTE = new Map(
  OPERATIONS.map((operation) => [AUTH_OUTCOMES[operation].rest as string, operation]),
);
const BY_MUTATION = new Map(
  OPERATIONS.map((operation) => [AUTH_OUTCOMES[operation].graphql as string, operation]),
);

/** Every result label an operation can count, so each is exported from start-up (as zero). */
export function resultsOf(operation: AuthOperation): string[] {
  const { succeeded, failed } = AUTH_OUTCOMES[operation];
  return [...new Set([...Object.values(succeeded), ...Object.values(failed)])];
}

/**
 * The counted operation a REST route or GraphQL root mutation performs, for the exception filter
 * to count a refusal under: identified by its route template or mutation name.
 */
export function authOperationOf(host: ArgumentsHost): AuthOperation | undefined {
  if (host.getType<GqlContextType>() === 'graphql') {
    const info = GqlArgumentsHost.create(host).getInfo<GraphQLResolveInfo | undefined>();
    return info?.parentType.name === 'Mutation' ? BY_MUTATION.get(info.fieldName) : undefined;
  }
  if (host.getType() !== 'http') return undefined;
  const req = host.switchToHttp().getRequest<Request>();
  const template = (req.route as { path?: string } | undefined)?.path;
  return template === undefined ? undefined : BY_ROUTE.get(`${req.method} ${template}`);
}
