import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { GRAPHQL_PATH } from '../common/graphql-error-body';

const logger = new Logger('Request');

/** The `route` of requests no route matched (unknown paths, undecodable ones). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** One line per request, written when the answer is sent. */
export function requestLogMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  // a response finishes once: `on` spares the wrapper `once` makes per request
  res.on('finish', () => {
    logger.log({
      msg: 'request',
      method: req.method,
      route: routeOf(req),
      status: res.statusCode,
      durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      requestId: req.requestId,
      ...(req.user !== undefined && { userId: req.user.id }),
      ip: req.ip,
    });
  });
  next();
}

/**
 * The route a finished request took, as its template: Nest's routes carry theirs ('/users/:id');
 * Apollo's router is named by its path. A request no route matched is not named by its path: that
 * is the client's text, and could hold a mistyped secret.
 */
export function routeOf(req: Request): string {
  const template = (req.route as { path?: string } | undefined)?.path;
  if (template !== undefined && template !== '/') return template;
  return req.originalUrl.split('?')[0] === GRAPHQL_PATH ? GRAPHQL_PATH : UNMATCHED_ROUTE;
}
