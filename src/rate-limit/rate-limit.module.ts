import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { RateLimitSlotDocument, RateLimitSlotSchema } from './rate-limit-slot.schema';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitRepository } from './rate-limit.repository';
import { RateLimiter } from './rate-limiter.service';

/** Registered before the auth guard, so floods are refused before any token work. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: RateLimitSlotDocument.name, schema: RateLimitSlotSchema }]),
  ],
  providers: [RateLimitRepository, RateLimiter, { provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
