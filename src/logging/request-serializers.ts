import type { Request, Response } from 'express';
import { GRAPHQL_PATH } from '../common/errors/graphql-error-body';
import { clientInfoOf } from '../common/request-context';

/** The `route` of requests no route matched (unknown paths, undecodable ones). */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Nest's routes carry their template ('/users/:id'); Apollo's router is named by its path. A
 * request no route matched is not named by its path: that is the client's text, and could hold a
 * mistyped secret.
 */
export function routeOf(req: Request): string {
  const template = (req.route as { path?: string } | undefined)?.path;
  if (template !== undefined && template !== '/') return template;
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
