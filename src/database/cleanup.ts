import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Clock } from './clock';

/** One kind of stored state that retention no longer keeps; deleting it twice must be harmless. */
export interface CleanupTask {
  readonly name: string;
  run(now: Date): Promise<unknown>;
}

/**
 * Deletes what can no longer matter, every CLEANUP_INTERVAL on every instance (MongoDB and the
 * embedded FerretDB have no TTL index that would do it for us, see ./driver.ts). Each module
 * registers its own tasks; each task is idempotent, so instances running at once only repeat
 * each other's deletes.
 */
@Injectable()
export class Cleanup implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Cleanup.name);
  private readonly tasks: CleanupTask[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(task: CleanupTask): void {
    this.tasks.push(task);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.runOnce(),
      this.config.cleanupIntervalSeconds * 1000,
    ).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs every task once (a run still going is joined, not doubled); a failing task is logged. */
  runOnce(now = this.clock.now()): Promise<void> {
    this.running ??= this.runTasks(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runTasks(now: Date): Promise<void> {
    for (const task of this.tasks) {
      try {
        await task.run(now);
      } catch (error) {
        this.logger.warn(`Clean-up of ${task.name} failed: ${(error as Error).message}`);
      }
    }
  }
}

@Global()
@Module({ providers: [Clock, Cleanup], exports: [Clock, Cleanup] })
export class CleanupModule {}
