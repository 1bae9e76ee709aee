import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { GRAPHQL_PATH } from '../common/errors/graphql-error-body';

/** The REST routes that read the refresh cookie (revoke-token only when its body names no token). */
const COOKIE_ROUTES = new Set(['/auth/refresh-token', '/auth/logout', GRAPHQL_PATH]);
const REVOKE_TOKEN_ROUTE = '/auth/revoke-token';

/**
 * Refuses, with 403 ORIGIN_NOT_ALLOWED and before anything runs, every request that reads the
 * refresh cookie (POST refresh-token, logout, revoke-token without a body token, and any POST
 * /graphql) and carries an `Origin` that is neither the service's own (the scheme and Host the
 * request was sent to; the scheme from X-Forwarded-Proto only when TRUST_PROXY trusts the hop),
 * APP_URL's, nor one of CORS_ORIGINS. Browsers send `Origin` with every cross-site POST, so this
 * holds whatever COOKIE_SAMESITE is; requests without one (curl, servers) are not browsers
 * carrying someone else's cookie, and pass.
 */
export function refuseForeignOrigins(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins.map((origin) => originOf(origin)));
  return (req: Request, _res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin === undefined || req.method !== 'POST' || !readsRefreshCookie(req)) return next();
    if (allowed.has(origin) || origin === `${req.protocol}://${req.get('host') ?? ''}`)
      return next();
    next(new AppError(ErrorCode.ORIGIN_NOT_ALLOWED));
  };
}

function readsRefreshCookie(req: Request): boolean {
  // routing ignores case and a trailing slash: so does this
  const path = req.path.toLowerCase().replace(/\/+$/, '');
  if (COOKIE_ROUTES.has(path)) return true;
  if (path !== REVOKE_TOKEN_ROUTE) return false;
  const token: unknown = (req.body as { token?: unknown } | undefined)?.token;
  return typeof token !== 'string' || token.length === 0;
}

/** `https://app.example.com/` and `https://app.example.com` are one origin. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
