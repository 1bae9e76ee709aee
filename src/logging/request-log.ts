import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import { GRAPHQL_PATH } from '../common/graphql-error-body';
import { clientInfoOf } from '../common/request-context';
import type { AppLogger } from './app-logger';
import { EVERY_PATH } from './logging.module';

/** The `route` of requests no route matched (unknown paths, undecodable ones). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Nest's routes carry their template ('/users/:id'); Apollo's router is named by its path. A
 * request no route matched is not named by its path: that is the client's text, and could hold a
 * mistyped secret.
 */
function routeOf(req: Request): string {
  const template = (req.route as { path?: string } | undefined)?.path;
  if (template !== undefined && template !== '/' && template !== EVERY_PATH) return template;
  return req.originalUrl.split('?')[0] === GRAPHQL_PATH ? GRAPHQL_PATH : UNMATCHED_ROUTE;
}

/**
 * pino-http: one line per request when its answer is sent (`request completed`, or `request
 * errored` for a 5xx), with `req` (method, route, client IP), `res` (status), `responseTime` (ms),
 * `userId` when signed in, and `requestId`. Every line written while the request runs carries the
 * same `requestId` (through `req.log`, which nestjs-pino makes Nest's Logger use).
 */
export function requestLogMiddleware(logger: AppLogger): RequestHandler {
  return pinoHttp<Request, Response>({
    logger,
    genReqId: (req) => req.requestId,
    customAttributeKeys: { reqId: 'requestId' },
    // bind only the request id to the request's logger: the request line is written at the end,
    // when the route is known
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: {
      req: (req: Request) => ({
        method: req.method,
        route: routeOf(req),
        ip: clientInfoOf(req).ip,
      }),
      res: (res: Response) => ({ statusCode: res.statusCode }),
    },
    customSuccessObject: (req, _res, fields: object) => withRequest(req, fields),
    // the error itself is logged by the exception filter, with its stack
    customErrorObject: (req, _res, _error, { err: _err, ...fields }: { err: unknown }) =>
      withRequest(req, fields),
  });
}

function withRequest(req: Request, fields: object): object {
  return { req, ...fields, ...(req.user !== undefined && { userId: req.user.id }) };
}
