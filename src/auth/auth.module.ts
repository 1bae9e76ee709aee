import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { MfaModule } from '../mfa/mfa.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { RecoveryModule } from '../recovery/recovery.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { DeviceCookies } from './device-cookies';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';

/**
 * Sign-up, sign-in (with its second step), refresh, logout and change-password, and the global
 * guard that checks access tokens.
 */
@Module({
  imports: [
    UsersModule,
    SessionsModule,
    TokensModule,
    RateLimitModule,
    SecurityEventsModule,
    RecoveryModule,
    MfaModule,
    PassportModule,
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    DeviceCookies,
    JwtStrategy,
    AuthResolver,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
