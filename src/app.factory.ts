import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Application, NextFunction, Request, Response } from 'express';
import { setupApiDocs } from './api-docs.setup';
import { AppModule } from './app.module';
import { EnvelopingExpressAdapter } from './http/enveloping-express-adapter';
import { jsonBodyParser } from './http/json-body';
import { refuseForeignOrigins } from './http/origin-check';
import { requestIdMiddleware } from './http/request-id.middleware';
import { securityHeaders } from './http/security-headers';
import { AppConfig } from './config/app-config';
import { AppLogger, createAppLogger, silentLogger } from './logging/app-logger';
import { nestLoggerOf } from './logging/logging.module';
import { requestLogMiddleware } from './logging/request-log';
import {
  METRICS_PATH,
  metricsEndpoint,
  requestMetricsMiddleware,
} from './metrics/metrics-endpoint';
import { MetricsService } from './metrics/metrics.service';
import { serveGraphiql } from './graphql/graphiql';
import { recoveryPages } from './recovery/pages/recovery-pages';

/**
 * Builds the whole app for a configuration: the one bootstrap for the server, the tests and the
 * bench. It logs through `logger` (by default to standard output in LOG_FORMAT; `false`: nothing).
 * Lines written outside any request go to the first app's logger of the process: nestjs-pino
 * keeps one.
 */
export async function createApp(
  config: AppConfig,
  logger: AppLogger | false = createAppLogger(config.logFormat),
): Promise<NestExpressApplication> {
  const appLogger = logger === false ? silentLogger() : logger;
  // the adapter wraps every REST success in the envelope (no interceptor: see its comment)
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, appLogger),
    new EnvelopingExpressAdapter(),
    { bodyParser: false, abortOnError: false, logger: nestLoggerOf(appLogger) },
  );
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(requestLogMiddleware(appLogger));
  if (config.metrics.enabled) {
    const metrics = app.get(MetricsService);
    app.use(requestMetricsMiddleware(metrics));
    (app.getHttpAdapter().getInstance() as Application).get(
      METRICS_PATH,
      metricsEndpoint(metrics, config.metrics.token),
    );
  }
  const parseCookies = cookieParser();
  // without a Cookie header there is nothing to parse (`req.cookies` stays unset: refreshCookieOf)
  app.use((req: Request, res: Response, next: NextFunction) =>
    req.headers.cookie === undefined ? next() : parseCookies(req, res, next),
  );
  app.use(securityHeaders(!config.isProduction));
  if (!config.isProduction) app.use(recoveryPages());
  app.use(jsonBodyParser(config.bodyLimitBytes));
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...config.corsOrigins],
      credentials: true,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
    });
  }
  app.use(refuseForeignOrigins([config.mail.appUrl, ...config.corsOrigins]));
  setupApiDocs(app, config);
  if (!config.isProduction) serveGraphiql(app);
  return app;
}

/**
 * Serves on PORT, bound to HOST when it is set (every interface otherwise): behind a proxy, an
 * internal address keeps clients from reaching an instance around the proxy.
 */
export async function listen(app: NestExpressApplication, config: AppConfig): Promise<void> {
  await (config.host === undefined
    ? app.listen(config.port)
    : app.listen(config.port, config.host));
}
