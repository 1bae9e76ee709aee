import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { storage, Store } from 'nestjs-pino/storage';
import type { AppLogger } from './app-logger';

/**
 * One line per request, written when its answer is sent (`request completed`; `request errored`
 * for a 5xx; `request aborted` when the client left first), with `requestId`, `req` (method,
 * route, client IP), `res` (status), `responseTime` (ms) and `userId` when signed in. `req.log` is
 * the request's logger, bound to its `requestId`: nestjs-pino hands it to every Nest Logger line
 * written while the request runs.
 *
 * pino-http writes the same line, but its per-request work (two child loggers, listeners and
 * fields on every request and response, for options not used here) made it the most expensive
 * stage of a health check in the bench's CPU profile (bench/README.md, "Logging").
 */
export function requestLogMiddleware(logger: AppLogger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const log = logger.child({ requestId: req.requestId });
    req.log = log;
    let written = false;
    const writeLine = (): void => {
      if (written) return;
      written = true;
      const fields = {
        req,
        res,
        responseTime: Math.round(performance.now() - started),
        ...(req.user !== undefined && { userId: req.user.id }),
      };
      if (res.statusCode >= 500) log.error(fields, 'request errored');
      else log.info(fields, res.writableFinished ? 'request completed' : 'request aborted');
    };
    res.on('finish', writeLine);
    res.on('close', writeLine);
    storage.run(new Store(log), next);
  };
}
