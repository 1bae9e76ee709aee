import type { AppError } from './app-error';

/** Where GraphQL is served; errors raised there before Apollo runs keep GraphQL's shape. */
export const GRAPHQL_PATH = '/graphql';

/**
 * What every GraphQL error of ours carries: the contract's code, the domain code, field errors,
 * and the error's public fields (MFA_REQUIRED's `mfaToken`).
 */
export function errorExtensions(error: AppError) {
  return {
    code: error.graphqlCode,
    errorCode: error.code,
    details: error.details,
    ...(error.retryAfterSeconds !== undefined && { retryAfterSeconds: error.retryAfterSeconds }),
    ...error.publicFields,
  };
}

/**
 * The answer, in GraphQL's shape, to a request on /graphql refused before Apollo saw it (a body over
 * BODY_LIMIT, malformed JSON): the REST filter sends it instead of the REST envelope.
 */
export function graphqlErrorBody(error: AppError) {
  return { errors: [{ message: error.message, extensions: errorExtensions(error) }] };
}
