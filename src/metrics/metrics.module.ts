import { Global, Module } from '@nestjs/common';
import { RefusalObserver } from '../common/errors/refusal-observer';
import { MetricsService } from './metrics.service';

/** Prometheus metrics; global, since the exception filter and the auth use cases report to it. */
@Global()
@Module({
  providers: [MetricsService, { provide: RefusalObserver, useExisting: MetricsService }],
  exports: [MetricsService, RefusalObserver],
})
export class MetricsModule {}
