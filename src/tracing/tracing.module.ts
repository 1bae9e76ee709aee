import { Module, OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './tracing-switch';

/** Sends the last spans before the process ends (tracing itself starts before Nest: see tracing-switch.ts). */
@Module({})
export class TracingModule implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}
