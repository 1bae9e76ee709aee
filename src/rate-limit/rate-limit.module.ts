import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AccountThrottleRepository } from './account-throttle.repository';
import {
  AccountFailureDocument,
  AccountFailureSchema,
  AccountThrottleDocument,
  AccountThrottleExpiryDocument,
  AccountThrottleExpirySchema,
  AccountThrottleSchema,
} from './account-throttle.schema';
import { AccountThrottle } from './account-throttle.service';
import { MongoThrottlerStorage } from './mongo-throttler.storage';
import { RateLimitClaimDocument, RateLimitClaimSchema } from './rate-limit-claim.schema';
import { RateLimitClaimsRepository } from './rate-limit-claims.repository';
import { RateLimitGuard } from './rate-limit.guard';
import { SlidingCap } from './sliding-cap';
import { throttlersOf } from './throttlers';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: RateLimitClaimDocument.name, schema: RateLimitClaimSchema },
    ]),
  ],
  providers: [RateLimitClaimsRepository, MongoThrottlerStorage, SlidingCap],
  exports: [MongoThrottlerStorage, SlidingCap],
})
class ThrottlerStorageModule {}

/**
 * The brute-force layers: the request limits (@nestjs/throttler with our storage; the guard is
 * registered before the auth guard, so floods are refused before any token work), the account
 * throttle the sign-in use cases run checks under, and caps on the same storage (SlidingCap).
 */
@Module({
  imports: [
    ThrottlerStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [ThrottlerStorageModule],
      inject: [APP_CONFIG, MongoThrottlerStorage],
      useFactory: (config: AppConfig, storage: MongoThrottlerStorage) => ({
        throttlers: throttlersOf(config),
        storage,
        // the contract has no X-RateLimit-* headers; Retry-After comes with the 429
        setHeaders: false,
      }),
    }),
    MongooseModule.forFeature([
      { name: AccountThrottleDocument.name, schema: AccountThrottleSchema },
      { name: AccountFailureDocument.name, schema: AccountFailureSchema },
      { name: AccountThrottleExpiryDocument.name, schema: AccountThrottleExpirySchema },
    ]),
  ],
  providers: [
    AccountThrottleRepository,
    AccountThrottle,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [AccountThrottle, ThrottlerStorageModule],
})
export class RateLimitModule {}
