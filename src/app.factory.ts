import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { json } from 'express';
import { setupApiDocs } from './api-docs.setup';
import { AppModule } from './app.module';
import { requestIdMiddleware } from './common/request-id.middleware';
import { AppConfig } from './config/app-config';

/** Builds the whole app for a configuration: the one bootstrap for the server, the tests and the bench. */
export async function createApp(config: AppConfig, logger?: LoggerService | false): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    abortOnError: false,
    ...(logger !== undefined && { logger }),
  });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(cookieParser());
  app.use(json({ limit: config.bodyLimitBytes }));
  if (config.corsOrigins.length > 0) {
    app.enableCors({ origin: [...config.corsOrigins], credentials: true, exposedHeaders: ['X-Request-Id', 'Retry-After'] });
  }
  app.enableShutdownHooks();
  setupApiDocs(app, config);
  return app;
}
