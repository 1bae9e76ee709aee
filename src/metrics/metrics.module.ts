import { Global, Module } from '@nestjs/common';
import { RefusalObserver } from '../common/errors/refusal-observer';
import { CountOutcomeInterceptor } from './count-outcome.interceptor';
import { MetricsService } from './metrics.service';

/** Prometheus metrics; global, since the exception filter and the auth faces report to it. */
@Global()
@Module({
  providers: [
    MetricsService,
    CountOutcomeInterceptor,
    { provide: RefusalObserver, useExisting: MetricsService },
  ],
  exports: [MetricsService, CountOutcomeInterceptor, RefusalObserver],
})
export class MetricsModule {}
