import type { ApolloServerPlugin, GraphQLRequestContextDidEncounterErrors } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../common/errors/app-error';
import { errorExtensions } from '../common/errors/graphql-error-body';
import { logUnexpected } from '../common/errors/log-unexpected';
import { toAppError } from '../common/errors/to-app-error';
import type { AppGraphqlContext } from './graphql-context';
import { describeCoercionError, withoutSubmittedValues } from './request-error-messages';

/**
 * What a resolver, a guard, a pipe or a plugin threw; undefined for the request errors GraphQL and
 * Apollo raise themselves (syntax, validation, variable types, CSRF), which already carry a code.
 */
export function thrownError(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  if (typeof error.extensions.code === 'string') return undefined;
  return error.originalError ?? error;
}

/**
 * Apollo's `formatError`: every thrown error is mapped by the one `toAppError`, so GraphQL answers
 * carry the contract's `extensions.code` plus the domain `errorCode` REST puts in `error.code`.
 * Unexpected errors become INTERNAL_SERVER_ERROR with the generic message; stack traces are shown
 * only when `includeStacktrace` (NODE_ENV=development).
 */
export function createFormatError(includeStacktrace: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const thrown = thrownError(error);
    if (thrown === undefined) return formatRequestError(formatted, error);
    const appError = toAppError(thrown);
    return {
      message: appError.message,
      ...(formatted.locations !== undefined && { locations: formatted.locations }),
      ...(formatted.path !== undefined && { path: formatted.path }),
      extensions: {
        ...errorExtensions(appError),
        ...(includeStacktrace &&
          thrown instanceof Error && { stacktrace: thrown.stack?.split('\n') }),
      },
    };
  };
}

/**
 * The errors GraphQL and Apollo raise themselves lose any submitted value they quoted (and their
 * stack, which only shows graphql-js internals); variable coercion errors (wrong types, missing or
 * unknown fields) read like our validation errors, naming the field.
 */
function formatRequestError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const extensions = { ...formatted.extensions };
  delete extensions.stacktrace;
  if (extensions.code !== ApolloServerErrorCode.BAD_USER_INPUT) {
    return {
      ...formatted,
      message: withoutSubmittedValues(extensions.code, formatted.message),
      extensions,
    };
  }
  const coercion = describeCoercionError(formatted.message, error);
  const field = coercion?.field ?? /^Variable "\$(\w+)"/.exec(formatted.message)?.[1];
  const message = coercion?.message ?? formatted.message;
  return {
    ...formatted,
    message,
    extensions: {
      ...extensions,
      errorCode: ErrorCode.VALIDATION_ERROR,
      details: field === undefined ? [] : [{ field, message }],
    },
  };
}

/**
 * Logs unexpected errors with the request id (the answer says only INTERNAL_SERVER_ERROR) and sets
 * Retry-After for TOO_MANY_REQUESTS, as the REST filter does.
 */
export function errorReportingPlugin(): ApolloServerPlugin<AppGraphqlContext> {
  const logger = new Logger('GraphQL');
  const report = ({ errors, contextValue, response }: ErrorsContext): void => {
    for (const error of errors) {
      const thrown = thrownError(error);
      if (thrown === undefined) continue;
      const appError = toAppError(thrown);
      logUnexpected(logger, thrown, appError, contextValue.req.requestId);
      if (appError.retryAfterSeconds !== undefined) {
        response.http.headers.set('retry-after', String(appError.retryAfterSeconds));
      }
    }
  };
  return {
    requestDidStart: () =>
      Promise.resolve({ didEncounterErrors: (context) => Promise.resolve(report(context)) }),
  };
}

type ErrorsContext = Pick<
  GraphQLRequestContextDidEncounterErrors<AppGraphqlContext>,
  'errors' | 'contextValue' | 'response'
>;
