import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { UsersModule } from '../users/users.module';
import { AccountsController } from './accounts.controller';
import { AccountsResolver } from './accounts.resolver';
import { AccountsService } from './accounts.service';

@Module({
  imports: [UsersModule, AuthModule, SecurityEventsModule],
  controllers: [AccountsController],
  providers: [AccountsService, AccountsResolver],
})
export class AccountsModule {}
