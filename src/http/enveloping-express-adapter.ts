import { StreamableFile } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { successEnvelope, Unenveloped } from './envelope';

/** 204 and 304 */
const BODILESS_STATUSES: ReadonlySet<number> = new Set([204, 304]);

/**
 * Express as Nest drives it, with every REST success wrapped in the contract's envelope where Nest
 * hands a route's result over to be sent. This is the envelope's one place: an interceptor would
 * do the same, but any interceptor makes Nest run every handler through RxJS and AsyncResource
 * bindings, a large share of the CPU of a request that does no I/O (bench/README.md). GraphQL
 * answers never pass here (Apollo writes them), nor do errors (AllExceptionsFilter writes their
 * envelope).
 */
export class EnvelopingExpressAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    // a stream carries its envelope already (streamedSuccessEnvelope)
    if (body instanceof StreamableFile) return super.reply(response, body, statusCode);
    if (body instanceof Unenveloped) return super.reply(response, body.body, statusCode);
    if (statusCode !== undefined) response.status(statusCode);
    const envelope = successEnvelope(response.req as Request, response.statusCode, body ?? null);
    // Express strips the body of these itself
    if (BODILESS_STATUSES.has(response.statusCode)) return super.reply(response, envelope);
    return sendJson(response, envelope);
  }
}

/**
 * What `res.json()` sends, without what an envelope never uses: no ETag (a body holding its own
 * timestamp and request id never matches one), so no hash of it and no freshness check, and a
 * fixed Content-Type instead of parsing one to add its charset. Node leaves the body out for HEAD.
 */
function sendJson(response: Response, value: unknown): Response {
  const body = JSON.stringify(value);
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
  return response;
}
