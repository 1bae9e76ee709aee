import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { SecurityEventDocument, SecurityEventSchema } from './security-event.schema';
import { SecurityEventsController } from './security-events.controller';
import { SecurityEventsRepository } from './security-events.repository';
import { SecurityEventsResolver } from './security-events.resolver';
import { SecurityEventsService } from './security-events.service';

@Module({
  imports: [
    UsersModule,
    MongooseModule.forFeature([{ name: SecurityEventDocument.name, schema: SecurityEventSchema }]),
  ],
  controllers: [SecurityEventsController],
  providers: [SecurityEventsRepository, SecurityEventsService, SecurityEventsResolver],
  exports: [SecurityEventsService],
})
export class SecurityEventsModule {}
