import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { AccountThrottleRepository } from './account-throttle.repository';
import {
  AccountFailureDocument,
  AccountFailureSchema,
  AccountThrottleDocument,
  AccountThrottleSchema,
} from './account-throttle.schema';
import { AccountThrottle } from './account-throttle.service';
import { RateLimitSlotDocument, RateLimitSlotSchema } from './rate-limit-slot.schema';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitRepository } from './rate-limit.repository';
import { RateLimiter } from './rate-limiter.service';

/**
 * The brute-force layers: the rate-limit guard (registered before the auth guard, so floods are
 * refused before any token work) and the account throttle the sign-in use cases run checks under.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: RateLimitSlotDocument.name, schema: RateLimitSlotSchema },
      { name: AccountThrottleDocument.name, schema: AccountThrottleSchema },
      { name: AccountFailureDocument.name, schema: AccountFailureSchema },
    ]),
  ],
  providers: [
    RateLimitRepository,
    RateLimiter,
    AccountThrottleRepository,
    AccountThrottle,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [AccountThrottle],
})
export class RateLimitModule {}
