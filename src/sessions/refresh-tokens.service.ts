import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser } from '../common/auth-user';
import { Page } from '../common/validation/page.args';
import { assertOwnerOrAdmin } from '../common/policies';
import { UsersService } from '../users/users.service';
import { RefreshTokenView } from './refresh-token.model';
import { SessionStore } from './store/session-store';

/** Refresh-token listings: for the owner or an admin only. */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly users: UsersService,
  ) {}

  /** A page of a user's tokens, newest first. */
  async listForUser(viewer: AuthUser, userId: string, page: Page): Promise<RefreshTokenView[]> {
    assertOwnerOrAdmin(viewer, userId);
    const tokens = await this.sessions.listTokensOfUser(userId, page);
    // tokens prove their user exists; only an empty page may be an unknown user's (404)
    if (tokens.length === 0 && !(await this.users.exists(userId)))
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    const now = new Date();
    return tokens.map((token) => RefreshTokenView.from(token, now));
  }

  /** For the `User.refreshTokens` loader: the same page of each user's tokens, in one read. */
  async pagesForUsers(userIds: readonly string[], page: Page): Promise<RefreshTokenView[][]> {
    const now = new Date();
    const pages = await this.sessions.listTokensOfUsers(userIds, page);
    return pages.map((tokens) => tokens.map((token) => RefreshTokenView.from(token, now)));
  }
}
