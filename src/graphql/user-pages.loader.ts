import DataLoader from 'dataloader';
import type { UserPageKey, UserPagesLoader } from '../common/graphql/graphql-loaders';
import type { Page } from '../common/validation/page.args';

/** The page of a key, as text: keys asking for the same page share a batch call. */
const pageText = ({ limit, after = '' }: Page): string => `${limit}:${after}`;
const keyText = (key: UserPageKey): string => `${key.userId}:${pageText(key)}`;

/**
 * The loader of a list field of `User` (`refreshTokens`, `sessions`, `securityEvents`): the loads
 * of one tick become one `loadPages` call per distinct page, which in practice is one, since a
 * field is asked with the same arguments for every user. `loadPages` answers each user's page in
 * the order of `userIds`. Callers check who may see them.
 */
export function createUserPagesLoader<T>(
  loadPages: (userIds: string[], page: Page) => Promise<T[][]>,
): UserPagesLoader<T> {
  return new DataLoader(
    async (keys) => {
      const groups = new Map<string, { page: Page; userIds: Set<string> }>();
      for (const key of keys) {
        const text = pageText(key);
        const page = { limit: key.limit, ...(key.after !== undefined && { after: key.after }) };
        const group = groups.get(text) ?? { page, userIds: new Set<string>() };
        group.userIds.add(key.userId);
        groups.set(text, group);
      }
      const pages = new Map<string, T[]>();
      for (const [text, { page, userIds }] of groups) {
        const ids = [...userIds];
        const lists = await loadPages(ids, page);
        ids.forEach((userId, index) => pages.set(`${userId}:${text}`, lists[index]));
      }
      return keys.map((key) => pages.get(keyText(key)) ?? []);
    },
    { cacheKeyFn: keyText },
  );
}
