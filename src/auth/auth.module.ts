import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { UsersModule } from '../users/users.module';
import { AdminSeeder } from './admin-seeder';
import { AuthController } from './auth.controller';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwksController } from './jwks.controller';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher.service';
import { RefreshCookie } from './refresh-cookie';
import { RefreshTokenDocument, RefreshTokenSchema } from './refresh-token.schema';
import { RefreshTokensController } from './refresh-tokens.controller';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { RefreshTokensResolver } from './refresh-tokens.resolver';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionStore } from './session-store';
import {
  SessionActivityDocument,
  SessionActivitySchema,
  SessionDocument,
  SessionSchema,
} from './session.schema';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsResolver } from './sessions.resolver';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    RateLimitModule,
    SecurityEventsModule,
    PassportModule,
    // TokenService passes the imported key with every call
    JwtModule.register({}),
    MongooseModule.forFeature([
      { name: RefreshTokenDocument.name, schema: RefreshTokenSchema },
      { name: SessionDocument.name, schema: SessionSchema },
      { name: SessionActivityDocument.name, schema: SessionActivitySchema },
    ]),
  ],
  controllers: [AuthController, RefreshTokensController, SessionsController, JwksController],
  providers: [
    AuthService,
    RefreshTokensService,
    RefreshTokensRepository,
    SessionsRepository,
    SessionStore,
    SessionsService,
    TokenService,
    PasswordHasher,
    RefreshCookie,
    JwtStrategy,
    AdminSeeder,
    AuthResolver,
    RefreshTokensResolver,
    SessionsResolver,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AuthService, RefreshTokensService, SessionsService, SessionStore, RefreshCookie],
})
export class AuthModule {}
