import DataLoader from 'dataloader';
import type { Page } from '../graphql/page.args';
import { SecurityEventView } from './security-event.model';
import { SecurityEventsService } from './security-events.service';

export interface SecurityEventsKey extends Page {
  userId: string;
}

/**
 * Each user's security events, newest first; one query per batch (per distinct `limit`/`after`,
 * which is one in practice: a list field is asked with the same arguments for every user).
 * Callers check who may see them.
 */
export type SecurityEventsByUserIdLoader = DataLoader<
  SecurityEventsKey,
  SecurityEventView[],
  string
>;

const pageKey = ({ limit, after = '' }: SecurityEventsKey) => `${limit}:${after}`;

export function createSecurityEventsByUserIdLoader(
  events: SecurityEventsService,
): SecurityEventsByUserIdLoader {
  return new DataLoader(
    async (keys) => {
      const pages = new Map<string, SecurityEventsKey[]>();
      for (const key of keys) pages.set(pageKey(key), [...(pages.get(pageKey(key)) ?? []), key]);
      const results = new Map<string, SecurityEventView[]>();
      for (const [page, pageKeys] of pages) {
        const userIds = [...new Set(pageKeys.map((key) => key.userId))];
        const { limit, after } = pageKeys[0];
        const lists = await events.listForUsers(userIds, limit, after);
        userIds.forEach((userId, index) => results.set(`${userId}:${page}`, lists[index]));
      }
      return keys.map((key) => results.get(`${key.userId}:${pageKey(key)}`) ?? []);
    },
    { cacheKeyFn: (key) => `${key.userId}:${pageKey(key)}` },
  );
}
