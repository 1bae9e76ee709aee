import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { AuthUser } from '../common/auth-user';
import { assertOwnerOrAdmin } from '../common/policies';
import { UsersRepository } from '../users/users.repository';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensRepository } from './refresh-tokens.repository';

/** Refresh-token listings: for the owner or an admin only. */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly tokens: RefreshTokensRepository,
    private readonly users: UsersRepository,
  ) {}

  async listForUser(viewer: AuthUser, userId: string): Promise<RefreshTokenView[]> {
    assertOwnerOrAdmin(viewer, userId);
    if ((await this.users.findById(userId)) === null)
      throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    const now = new Date();
    return (await this.tokens.listByUser(userId)).map((record) =>
      RefreshTokenView.from(record, now),
    );
  }

  /** For DataLoader: every user's tokens in one query, in the order of `userIds`. */
  async listForUsers(userIds: readonly string[]): Promise<RefreshTokenView[][]> {
    const now = new Date();
    const byUser = new Map<string, RefreshTokenView[]>(userIds.map((id) => [id, []]));
    for (const record of await this.tokens.listByUsers(userIds)) {
      byUser.get(record.userId.toHexString())?.push(RefreshTokenView.from(record, now));
    }
    return userIds.map((id) => byUser.get(id) ?? []);
  }
}
