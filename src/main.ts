import './tracing/register';
import { Logger } from '@nestjs/common';
import { createApp, listen } from './app.factory';
import { ConfigError, loadConfig } from './config/load-config';
import { EmbeddedDatabaseError, ensureFerretDbBinary } from './database/embedded-database';
import { closeGracefullyOnSignals } from './graceful-shutdown';
import { createLogger } from './logging/json-logger';

async function bootstrap(): Promise<void> {
  // a bad setting is one line on stderr (below), so the logger can wait for the configuration
  const config = loadConfig();
  const logger = createLogger(config.logFormat);
  Logger.overrideLogger(logger);
  if (config.mongodbUri === undefined) {
    Logger.log(
      'MONGODB_URI is unset: using the embedded FerretDB (built on first start)',
      'Bootstrap',
    );
    await ensureFerretDbBinary();
  }
  const app = await createApp(config, logger);
  closeGracefullyOnSignals(app);
  await listen(app, config);
  Logger.log(`Listening on http://localhost:${config.port} (API docs at /api-docs)`, 'Bootstrap');
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
