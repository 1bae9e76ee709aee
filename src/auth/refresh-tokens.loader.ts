import DataLoader from 'dataloader';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensService } from './refresh-tokens.service';

/** Each user's refresh tokens, newest first; one query per batch. Callers check who may see them. */
export type RefreshTokensByUserIdLoader = DataLoader<string, RefreshTokenView[]>;

export function createRefreshTokensByUserIdLoader(
  refreshTokens: RefreshTokensService,
): RefreshTokensByUserIdLoader {
  return new DataLoader((userIds) => refreshTokens.listForUsers(userIds));
}
