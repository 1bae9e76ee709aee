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

/** helmet's headers everywhere, with the Content-Security-Policy each page needs. */
export function securityHeaders(sandboxEnabled: boolean): RequestHandler {
  const api = helmet({ contentSecurityPolicy: { directives: API_DIRECTIVES } });
  const sandbox = helmet({
    contentSecurityPolicy: { directives: SANDBOX_DIRECTIVES },
    crossOriginEmbedderPolicy: false,
  });
  return (req: Request, res: Response, next: NextFunction) =>
    (sandboxEnabled && req.method === 'GET' && req.path === '/graphql' ? sandbox : api)(
      req,
      res,
      next,
    );
}
