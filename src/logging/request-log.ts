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
export function routeOf(req: Request): string {
  const template = (req.route as { path?: string } | undefined)?.path;
  if (template !== undefined && template !== '/' && template !== EVERY_PATH) return template;
  return req.originalUrl.split('?')[0] === GRAPHQL_PATH ? GRAPHQL_PATH : UNMATCHED_ROUTE;
}

/**
 * How a request and a response show in any log line: never their headers, body or URL, which carry
 * credentials and whatever the client typed.
 */
export const requestSerializers = {
  req: (req: Request) => ({ method: req.method, route: routeOf(req), ip: clientInfoOf(req).ip }),
  res: (res: Response) => ({ statusCode: res.statusCode }),
};

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
