import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { AppLogger } from './app-logger';

/**
 * pino-http: one line per request when its answer is sent (`request completed`, or `request
 * errored` for a 5xx), with `requestId`, `req` (method, route, client IP), `res` (status),
 * `responseTime` (ms) and `userId` when signed in. Every line written while the request runs
 * carries the same `requestId`: Nest's Logger writes through `req.log`, which nestjs-pino binds to
 * the request.
 */
export function requestLogMiddleware(logger: AppLogger): RequestHandler {
  return pinoHttp<Request, Response>({
    logger,
    // req.log is bound to the request under `requestId`, which serializes to the request's id
    customAttributeKeys: { req: 'requestId' },
    serializers: { requestId: requestIdOf },
    // the request line is written by the app's logger, once the route is known (withRequest)
    quietResLogger: true,
    // the logger's own serializers, not pino-http's, which add headers
    wrapSerializers: false,
    customSuccessObject: (req, _res, fields: object) => withRequest(req, fields),
    // the error itself is logged by the exception filter, with its stack
    customErrorObject: (req, _res, _error, { err: _err, ...fields }: { err: unknown }) =>
      withRequest(req, fields),
  });
}

/** A request's id; any other value (a `requestId` a line sets itself) as it is. */
function requestIdOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as Request).requestId : value;
}

function withRequest(req: Request, fields: object): object {
  return {
    requestId: req.requestId,
    req,
    ...fields,
    ...(req.user !== undefined && { userId: req.user.id }),
  };
}
