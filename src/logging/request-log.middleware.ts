import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

const logger = new Logger('Request');

/** One line per request, written when the answer is sent. */
export function requestLogMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    // Nest's routes carry their template ('/users/:id'); a router mounted under a path (Apollo at
    // /graphql) sees only '/' by the time the answer is sent, so it is named by the path itself
    const template = (req.route as { path?: string } | undefined)?.path;
    const route =
      template !== undefined && template !== '/' ? template : req.originalUrl.split('?')[0];
    logger.log({
      msg: 'request',
      method: req.method,
      route,
      status: res.statusCode,
      durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      requestId: req.requestId,
      ...(req.user !== undefined && { userId: req.user.id }),
      ip: req.ip,
    });
  });
  next();
}
