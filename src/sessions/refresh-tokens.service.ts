import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { assertOwnerOrAdmin } from '../common/policies';
import { AuthUser } from '../common/auth-user';
import { UsersService } from '../users/users.service';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensRepository, TokenPage } from './store/refresh-tokens.repository';

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

  /** For the `User.refreshTokens` loader: the same page of each user's tokens, in one query. */
  async pagesForUsers(userIds: readonly string[], page: TokenPage): Promise<RefreshTokenView[][]> {
    const now = new Date();
    const pages = await this.tokens.pageByUsers(userIds, page);
    return userIds.map((userId) =>
      (pages.get(userId) ?? []).map((record) => RefreshTokenView.from(record, now)),
    );
  }
}
