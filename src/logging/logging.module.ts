import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { flushLogs } from './log-writer';
import { SecurityEvents } from './security-events';

@Global()
@Module({ providers: [SecurityEvents], exports: [SecurityEvents] })
export class LoggingModule implements OnApplicationShutdown {
  /** The log writer is asynchronous: what it still holds goes out before the process ends. */
  onApplicationShutdown(): void {
    flushLogs();
  }
}
