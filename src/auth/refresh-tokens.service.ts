import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { assertOwnerOrAdmin } from '../common/policies';
import { AuthUser } from '../common/auth-user';
import { UsersService } from '../users/users.service';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensRepository, TokenPage } from './refresh-tokens.repository';

/** Refresh-token listings: for the owner or an admin only. */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly tokens: RefreshTokensRepository,
    private readonly users: UsersService,
  ) {}

  /** A user's tokens, newest first: all of them, or a page. */
  async listForUser(
    viewer: AuthUser,
    userId: string,
    page?: TokenPage,
  ): Promise<RefreshTokenView[]> {
    assertOwnerOrAdmin(viewer, userId);
    if (!(await this.users.exists(userId)))
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    const now = new Date();
    return (await this.tokens.listByUser(userId, page)).map((record) =>
      RefreshTokenView.from(record, now),
    );
  }

  /** For DataLoader: a page of each user's tokens, one query per distinct page, in the keys' order. */
  async pagesForUsers(keys: readonly UserTokenPage[]): Promise<RefreshTokenView[][]> {
    const now = new Date();
    const byPage = new Map<string, { page: TokenPage; userIds: string[] }>();
    for (const { userId, limit, after } of keys) {
      const key = `${limit}:${after ?? ''}`;
      const group = byPage.get(key) ?? { page: { limit, after }, userIds: [] };
      group.userIds.push(userId);
      byPage.set(key, group);
    }
    const results = new Map<string, RefreshTokenView[]>();
    for (const [key, { page, userIds }] of byPage) {
      for (const [userId, records] of await this.tokens.pageByUsers(userIds, page)) {
        results.set(
          `${userId}:${key}`,
          records.map((record) => RefreshTokenView.from(record, now)),
        );
      }
    }
    return keys.map((key) => results.get(userTokenPageKey(key)) ?? []);
  }
}

/** One user's page of refresh tokens, as a DataLoader key. */
export interface UserTokenPage extends TokenPage {
  userId: string;
}

export function userTokenPageKey({ userId, limit, after }: UserTokenPage): string {
  return `${userId}:${limit}:${after ?? ''}`;
}
