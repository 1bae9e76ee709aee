import DataLoader from 'dataloader';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensService, UserTokenPage, userTokenPageKey } from './refresh-tokens.service';

/**
 * A page of each user's refresh tokens, newest first; one query per batch (per distinct page).
 * Callers check who may see them.
 */
export type RefreshTokensByUserIdLoader = DataLoader<UserTokenPage, RefreshTokenView[], string>;

export function createRefreshTokensByUserIdLoader(
  refreshTokens: RefreshTokensService,
): RefreshTokensByUserIdLoader {
  return new DataLoader((keys) => refreshTokens.pagesForUsers(keys), {
    cacheKeyFn: userTokenPageKey,
  });
}
