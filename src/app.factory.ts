import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { setupApiDocs } from './api-docs.setup';
import { AppModule } from './app.module';
import { EnvelopingExpressAdapter } from './common/enveloping-express-adapter';
import { jsonBodyParser } from './common/json-body';
import { requestIdMiddleware } from './common/request-id.middleware';
import { securityHeaders } from './common/security-headers';
import { AppConfig } from './config/app-config';
import { serveGraphiql } from './graphql/graphiql';
import { requestLogMiddleware } from './logging/request-log.middleware';

/** Builds the whole app for a configuration: the one bootstrap for the server, the tests and the bench. */
export async function createApp(
  config: AppConfig,
  logger?: LoggerService | false,
): Promise<NestExpressApplication> {
  // the adapter wraps every REST success in the envelope (no interceptor: see its comment)
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new EnvelopingExpressAdapter(),
    {
      bodyParser: false,
      abortOnError: false,
      ...(logger !== undefined && { logger }),
    },
  );
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(requestLogMiddleware);
  const parseCookies = cookieParser();
  // without a Cookie header there is nothing to parse (`req.cookies` stays unset: refreshCookieOf)
  app.use((req: Request, res: Response, next: NextFunction) =>
    req.headers.cookie === undefined ? next() : parseCookies(req, res, next),
  );
  app.use(securityHeaders(!config.isProduction));
  app.use(jsonBodyParser(config.bodyLimitBytes));
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.corsOrigins],
      credentials: true,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    });
  }
  setupApiDocs(app, config);
  if (!config.isProduction) serveGraphiql(app);
  return app;
}
