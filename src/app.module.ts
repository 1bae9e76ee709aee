import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { createValidationPipe } from './common/validation/validation-pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CleanupModule } from './database/cleanup';
import { DatabaseModule } from './database/database.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';
import { HealthController } from './health/health.controller';
import type { AppLogger } from './logging/app-logger';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { MfaModule } from './mfa/mfa.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RecoveryModule } from './recovery/recovery.module';
import { SecurityEventsModule } from './security-events/security-events.module';
import { SessionsModule } from './sessions/sessions.module';
import { TokensModule } from './tokens/tokens.module';
import { TracingModule } from './tracing/tracing.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        MetricsModule,
        TracingModule,
        DatabaseModule,
        CleanupModule,
        RateLimitModule,
        UsersModule,
        AuthModule,
        MfaModule,
        SessionsModule,
        TokensModule,
        SecurityEventsModule,
        AccountsModule,
        RecoveryModule,
        GraphqlApiModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
