import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AdminPasswordResetController } from './admin-password-reset.controller';
import { EmailVerificationService } from './email-verification.service';
import {
  OneTimeTokenDocument,
  OneTimeTokenSchema,
  OneTimeTokenUseDocument,
  OneTimeTokenUseSchema,
} from './one-time-token.schema';
import { OneTimeTokens } from './one-time-tokens';
import { OneTimeTokensRepository } from './one-time-tokens.repository';
import { PasswordResetService } from './password-reset.service';
import { RecoveryController } from './recovery.controller';
import { RecoveryResolver } from './recovery.resolver';

/** Email verification and password reset by mailed one-time tokens. */
@Module({
  imports: [
    UsersModule,
    SessionsModule,
    RateLimitModule,
    SecurityEventsModule,
    MailModule,
    MongooseModule.forFeature([
      { name: OneTimeTokenDocument.name, schema: OneTimeTokenSchema },
      { name: OneTimeTokenUseDocument.name, schema: OneTimeTokenUseSchema },
    ]),
  ],
  controllers: [RecoveryController, AdminPasswordResetController],
  providers: [
    OneTimeTokensRepository,
    OneTimeTokens,
    EmailVerificationService,
    PasswordResetService,
    RecoveryResolver,
  ],
  exports: [EmailVerificationService],
})
export class RecoveryModule {}
