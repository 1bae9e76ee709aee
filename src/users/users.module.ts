import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AdminsLock } from './admins-lock';
import { EmailAddressDocument, EmailAddressSchema } from './email-address.schema';
import { EmailAddressesRepository } from './email-addresses.repository';
import { PasswordHasher } from './password-hasher.service';
import { LockDocument, LockSchema } from './admins-lock.schema';
import { UserDocument, UserSchema } from './user.schema';
import { UsernameDocument, UsernameSchema } from './username.schema';
import { UsernamesRepository } from './usernames.repository';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersResolver } from './users.resolver';
import { UsersService } from './users.service';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: UserDocument.name, schema: UserSchema },
      { name: UsernameDocument.name, schema: UsernameSchema },
      { name: LockDocument.name, schema: LockSchema },
      { name: EmailAddressDocument.name, schema: EmailAddressSchema },
    ]),
  ],
  controllers: [UsersController],
  providers: [
    UsersRepository,
    UsernamesRepository,
    EmailAddressesRepository,
    AdminsLock,
    UsersService,
    PasswordHasher,
    UsersResolver,
  ],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
