import './tracing/register';
import { createApp, listen } from './app.factory';
import { ConfigError, loadConfig } from './config/load-config';
import { EmbeddedDatabaseError, ensureFerretDbBinary } from './database/embedded-database';
import { closeGracefullyOnSignals } from './graceful-shutdown';
import { createAppLogger } from './logging/app-logger';

async function bootstrap(): Promise<void> {
  // a bad setting is one line on stderr (below), so the logger can wait for the configuration
  const config = loadConfig();
  const logger = createAppLogger(config.logFormat);
  const bootstrapLog = logger.child({ context: 'Bootstrap' });
  if (config.mongodbUri === undefined) {
    bootstrapLog.info('MONGODB_URI is unset: using the embedded FerretDB (built on first start)');
    await ensureFerretDbBinary();
  }
  const app = await createApp(config, logger);
  closeGracefullyOnSignals(app);
  await listen(app, config);
  bootstrapLog.info(`Listening on http://localhost:${config.port} (API docs at /api-docs)`);
}

bootstrap().catch((error: unknown) => {
  // configuration and environment problems are one line, not a stack trace
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) {
    console.error(`Cannot start: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
