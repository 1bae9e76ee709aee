import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { flushLogs } from './log-writer';
import { SecurityLog } from './security-log';

@Global()
@Module({ providers: [SecurityLog], exports: [SecurityLog] })
export class LoggingModule implements OnApplicationShutdown {
  /** The log writer is asynchronous: what it still holds goes out before the process ends. */
  onApplicationShutdown(): void {
    flushLogs();
  }
}
