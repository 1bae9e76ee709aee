import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { UsersModule } from '../users/users.module';
import { AuthCookies } from './auth-cookies';
import { RefreshTokensController } from './refresh-tokens.controller';
import { RefreshTokensResolver } from './refresh-tokens.resolver';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionsController } from './sessions.controller';
import { SessionsResolver } from './sessions.resolver';
import { SessionsService } from './sessions.service';
import { RefreshTokenDocument, RefreshTokenSchema } from './store/refresh-token.schema';
import { RefreshTokensRepository } from './store/refresh-tokens.repository';
import { SessionStore } from './store/session-store';
import {
  SessionActivityDocument,
  SessionActivitySchema,
  SessionDocument,
  SessionSchema,
} from './store/session.schema';
import { SessionsRepository } from './store/sessions.repository';

/** Login sessions and their refresh tokens: the store, the listings and revoking a session. */
@Module({
  imports: [
    UsersModule,
    SecurityEventsModule,
    MongooseModule.forFeature([
      { name: RefreshTokenDocument.name, schema: RefreshTokenSchema },
      { name: SessionDocument.name, schema: SessionSchema },
      { name: SessionActivityDocument.name, schema: SessionActivitySchema },
    ]),
  ],
  controllers: [RefreshTokensController, SessionsController],
  providers: [
    RefreshTokensRepository,
    SessionsRepository,
    SessionStore,
    SessionsService,
    RefreshTokensService,
    AuthCookies,
    RefreshTokensResolver,
    SessionsResolver,
  ],
  exports: [SessionStore, SessionsService, RefreshTokensService, AuthCookies],
})
export class SessionsModule {}
