import { DynamicModule, Global, Module } from '@nestjs/common';
import { Logger, LoggerModule, Params, PinoLogger } from 'nestjs-pino';
import type { AppLogger } from './app-logger';
import { SecurityLog } from './security-log';

function loggerParams(logger: AppLogger): Params {
  return {
    pinoHttp: { logger },
    useExisting: true,
    // createApp mounts the request log itself, ahead of the body parser, so that requests refused
    // while parsing are logged too; it binds `req.log` to the request's async context as
    // nestjs-pino's own middleware would, without a Nest route matched on every request
    forRoutes: [],
  };
}

/**
 * Nest's Logger over the app's pino logger, for `NestFactory.create`: Nest's own lines go through
 * pino from the first one, and a line written while a request runs goes through that request's
 * logger.
 */
export function nestLoggerOf(logger: AppLogger): Logger {
  const params = loggerParams(logger);
  return new Logger(new PinoLogger(params), params);
}

@Global()
@Module({})
export class LoggingModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot(loggerParams(logger))],
      providers: [SecurityLog],
      exports: [SecurityLog],
    };
  }
}
