import { Module } from '@nestjs/common';
import { MfaModule } from '../mfa/mfa.module';
import { SessionsModule } from '../sessions/sessions.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AdminSeeder } from './admin-seeder';
import { AccountsResolver } from './accounts.resolver';
import { AccountsService } from './accounts.service';

@Module({
  imports: [UsersModule, SessionsModule, SecurityEventsModule, MfaModule],
  controllers: [AccountsController],
  providers: [AccountsService, AccountsResolver, AdminSeeder],
})
export class AccountsModule {}
