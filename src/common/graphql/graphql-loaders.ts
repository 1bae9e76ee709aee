import type DataLoader from 'dataloader';
import type { Page } from '../validation/page.args';
import type { GraphqlContext } from '../request-context';

/** One user's page of a list field, as a DataLoader key. */
export interface UserPageKey extends Page {
  userId: string;
}

/** The per-request loader of a list field of `User`: one user's page per key, batched per tick. */
export type UserPagesLoader<T> = DataLoader<UserPageKey, T[], string>;

/**
 * The GraphQL context as a field resolver that reads one request's loader sees it. Each feature
 * names the loader it needs; the GraphQL module (src/graphql/loaders.ts) makes them all.
 */
export interface WithLoader<Name extends string, T> extends GraphqlContext {
  loaders: Record<Name, UserPagesLoader<T>>;
}
