import type { ArgumentsHost } from '@nestjs/common';
import type { AppError } from './app-error';

/**
 * Told of every refusal of either face, the guards' included, by the exception filter (the
 * metrics count them). Provided by MetricsModule; `common` only names it.
 */
export abstract class RefusalObserver {
  abstract refused(error: AppError, host: ArgumentsHost): void;
}
