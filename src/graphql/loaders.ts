import { Injectable } from '@nestjs/common';
import type { RefreshTokenView } from '../sessions/refresh-token.model';
import { RefreshTokensService } from '../sessions/refresh-tokens.service';
import type { ActiveSession } from '../sessions/store/session-store';
import { SessionsService } from '../sessions/sessions.service';
import type { SecurityEventView } from '../security-events/security-event.model';
import { SecurityEventsService } from '../security-events/security-events.service';
import type { UserPagesLoader } from '../common/graphql/graphql-loaders';
import { createUserPagesLoader } from './user-pages.loader';

/** One GraphQL request's DataLoaders: batching and caching last as long as the request. */
export interface Loaders {
  refreshTokensByUserId: UserPagesLoader<RefreshTokenView>;
  sessionsByUserId: UserPagesLoader<ActiveSession>;
  securityEventsByUserId: UserPagesLoader<SecurityEventView>;
}

/**
 * A singleton that makes fresh loaders for each request's context, so no provider has to be
 * request-scoped (which would make every dependant request-scoped too).
 */
@Injectable()
export class LoadersFactory {
  constructor(
    private readonly refreshTokens: RefreshTokensService,
    private readonly sessions: SessionsService,
    private readonly securityEvents: SecurityEventsService,
  ) {}

  create(): Loaders {
    return {
      refreshTokensByUserId: createUserPagesLoader((userIds, page) =>
        this.refreshTokens.pagesForUsers(userIds, page),
      ),
      sessionsByUserId: createUserPagesLoader((userIds, page) =>
        this.sessions.listForUsers(userIds, page),
      ),
      securityEventsByUserId: createUserPagesLoader((userIds, page) =>
        this.securityEvents.listForUsers(userIds, page.limit, page.after),
      ),
    };
  }
}
