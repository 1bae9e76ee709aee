import { Global, Module } from '@nestjs/common';
import { SecurityEvents } from './security-events';

@Global()
@Module({ providers: [SecurityEvents], exports: [SecurityEvents] })
export class LoggingModule {}
