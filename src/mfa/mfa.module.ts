import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaController } from './mfa.controller';
import { MfaCrypto } from './mfa-crypto';
import { MfaResolver } from './mfa.resolver';
import { MfaService } from './mfa.service';
import { MfaRepository } from './store/mfa.repository';
import {
  MfaChallengeDocument,
  MfaChallengeSchema,
  MfaClaimDocument,
  MfaClaimSchema,
  MfaFactorDocument,
  MfaFactorSchema,
  RecoveryCodeUseDocument,
  RecoveryCodeUseSchema,
} from './store/mfa.schema';

/** The second factor (TOTP with recovery codes): enrolment, and what sign-in's second step needs. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: MfaFactorDocument.name, schema: MfaFactorSchema },
      { name: MfaChallengeDocument.name, schema: MfaChallengeSchema },
      { name: MfaClaimDocument.name, schema: MfaClaimSchema },
      { name: RecoveryCodeUseDocument.name, schema: RecoveryCodeUseSchema },
    ]),
    UsersModule,
    SessionsModule,
    SecurityEventsModule,
    RateLimitModule,
  ],
  controllers: [MfaController],
  providers: [MfaService, MfaRepository, MfaCrypto, MfaResolver],
  exports: [MfaService],
})
export class MfaModule {}
