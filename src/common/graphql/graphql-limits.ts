/** The GraphQL complexity budget, which resolvers weigh their fields against. */

/**
 * Every field costs 1 plus its children, and a list costs its `limit` times its selection (see
 * `pagedListEstimator` in src/graphql/operation-limits.ts): ten pages of 1000 users of ten fields
 * each, or a hundred default pages of `users { id }`. See PASSWORD_HASHING_COMPLEXITY.
 */
export const MAX_QUERY_COMPLEXITY = 10_000;
/** Mutations that run bcrypt are expensive: a few of them fill one request's budget. */
export const PASSWORD_HASHING_COMPLEXITY = MAX_QUERY_COMPLEXITY / 5;
