import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** Strict for the API; Swagger UI needs inline styles and data: images, nothing from elsewhere. */
const API_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/** Apollo Sandbox (GET /graphql outside production) is a page that embeds Apollo's hosted app. */
const SANDBOX_DIRECTIVES = {
  ...API_DIRECTIVES,
  scriptSrc: ["'self'", "'unsafe-inline'", 'https://embeddable-sandbox.cdn.apollographql.com'],
  styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
  fontSrc: ["'self'", 'data:', 'https://fonts.gstatic.com'],
  imgSrc: ["'self'", 'data:', 'https://apollo-server-landing-page.cdn.apollographql.com'],
  frameSrc: ['https://sandbox.embed.apollographql.com'],
  manifestSrc: ['https://apollo-server-landing-page.cdn.apollographql.com'],
};

/** The headers a helmet middleware sets and removes: they depend on its options alone. */
interface HeaderPlan {
  set: [name: string, value: string][];
  remove: string[];
}

/**
 * Runs a helmet middleware once against a recording response. Our policies hold no per-request
 * values (no nonces), so every request gets the same headers, without helmet's chain of one
 * middleware per header.
 */
function planOf(middleware: RequestHandler): HeaderPlan {
  const plan: HeaderPlan = { set: [], remove: [] };
  const recorder = {
    setHeader: (name: string, value: unknown) => plan.set.push([name, String(value)]),
    removeHeader: (name: string) => plan.remove.push(name),
  };
  let finished = false;
  middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    finished = error === undefined;
  });
  if (!finished) throw new Error('helmet did not finish synchronously: cannot precompute it');
  return plan;
}

function apply(plan: HeaderPlan, res: Response): void {
  for (const name of plan.remove) res.removeHeader(name);
  for (const [name, value] of plan.set) res.setHeader(name, value);
}

/**
 * Answers carry tokens and user data: no cache may keep one (RFC 6749 §5.1 asks this of every
 * token response). A route whose answer may be cached says so itself (the JWK Set).
 */
const NO_STORE: [name: string, value: string] = ['Cache-Control', 'no-store'];

/** helmet's headers everywhere, with the Content-Security-Policy each page needs, and no caching. */
export function securityHeaders(sandboxEnabled: boolean): RequestHandler {
  const api = planOf(helmet({ contentSecurityPolicy: { directives: API_DIRECTIVES } }));
  const sandbox = planOf(
    helmet({
      contentSecurityPolicy: { directives: SANDBOX_DIRECTIVES },
      crossOriginEmbedderPolicy: false,
    }),
  );
  api.set.push(NO_STORE);
  sandbox.set.push(NO_STORE);
  return (req: Request, res: Response, next: NextFunction) => {
    apply(sandboxEnabled && req.method === 'GET' && req.path === '/graphql' ? sandbox : api, res);
    next();
  };
}
