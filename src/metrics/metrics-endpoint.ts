import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { errorEnvelope } from '../http/envelope';
import { routeOf } from '../logging/request-serializers';
import { MetricsService } from './metrics.service';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics`: a plain Express route, ahead of Nest's, so it stays outside the envelope, the
 * rate limit and the access-token guard. With METRICS_TOKEN it needs that bearer (401 otherwise).
 */
export function metricsEndpoint(
  metrics: MetricsService,
  token: string | undefined,
): (req: Request, res: Response, next: NextFunction) => void {
  const expected = token === undefined ? undefined : sha256(`Bearer ${token}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const presented = req.headers.authorization;
    if (
      expected !== undefined &&
      (presented === undefined || !timingSafeEqual(sha256(presented), expected))
    ) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res.status(401).json(errorEnvelope(req, new AppError(ErrorCode.UNAUTHORIZED)));
      return;
    }
    metrics.scrape().then((text) => {
      res.setHeader('Content-Type', metrics.contentType);
      res.end(text);
    }, next);
  };
}

/** Records every request's duration in the histogram, labelled by its route template. */
export function requestMetricsMiddleware(
  metrics: MetricsService,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.requestFinished(req.method, routeOf(req), res.statusCode, seconds);
    });
    next();
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
