import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { UsersModule } from '../users/users.module';
import { AdminSeeder } from './admin-seeder';
import { AuthController } from './auth.controller';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher.service';
import { RefreshCookie } from './refresh-cookie';
import { RefreshTokenDocument, RefreshTokenSchema } from './refresh-token.schema';
import { RefreshTokensController } from './refresh-tokens.controller';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { RefreshTokensResolver } from './refresh-tokens.resolver';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionStatusService } from './session-status.service';
import { SessionDocument, SessionSchema } from './session.schema';
import { SessionsRepository } from './sessions.repository';
import { accessTokenKey, TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    SecurityEventsModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      // jsonwebtoken takes a KeyObject; @nestjs/jwt's types predate that
      useFactory: (config: AppConfig) => ({
        secret: accessTokenKey(config.jwt.secret) as unknown as Buffer,
      }),
    }),
    MongooseModule.forFeature([
      { name: RefreshTokenDocument.name, schema: RefreshTokenSchema },
      { name: SessionDocument.name, schema: SessionSchema },
    ]),
  ],
  controllers: [AuthController, RefreshTokensController],
  providers: [
    AuthService,
    RefreshTokensService,
    RefreshTokensRepository,
    SessionsRepository,
    TokenService,
    PasswordHasher,
    SessionStatusService,
    RefreshCookie,
    JwtStrategy,
    AdminSeeder,
    AuthResolver,
    RefreshTokensResolver,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AuthService, RefreshTokensService, RefreshCookie],
})
export class AuthModule {}
