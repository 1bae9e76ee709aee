import { Injectable } from '@nestjs/common';
import {
  createRefreshTokensByUserIdLoader,
  RefreshTokensByUserIdLoader,
} from '../auth/refresh-tokens.loader';
import { RefreshTokensService } from '../auth/refresh-tokens.service';
import { createSessionsByUserIdLoader, SessionsByUserIdLoader } from '../auth/sessions.loader';
import { SessionsService } from '../auth/sessions.service';
import {
  createSecurityEventsByUserIdLoader,
  SecurityEventsByUserIdLoader,
} from '../security-events/security-events.loader';
import { SecurityEventsService } from '../security-events/security-events.service';

/** One GraphQL request's DataLoaders: batching and caching last as long as the request. */
export interface Loaders {
  refreshTokensByUserId: RefreshTokensByUserIdLoader;
  sessionsByUserId: SessionsByUserIdLoader;
  securityEventsByUserId: SecurityEventsByUserIdLoader;
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
      refreshTokensByUserId: createRefreshTokensByUserIdLoader(this.refreshTokens),
      sessionsByUserId: createSessionsByUserIdLoader(this.sessions),
      securityEventsByUserId: createSecurityEventsByUserIdLoader(this.securityEvents),
    };
  }
}
