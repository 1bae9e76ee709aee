import type { IncomingMessage } from 'node:http';
import { json, RequestHandler } from 'express';

/** Deeper bodies are refused before parsing: no input of this API nests beyond a few levels. */
export const MAX_JSON_DEPTH = 32;

const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects and arrays in raw JSON, ignoring brackets inside strings. */
export function jsonDepth(raw: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (OPEN.has(byte)) deepest = Math.max(deepest, ++depth);
    else if (CLOSE.has(byte)) depth--;
  }
  return deepest;
}

function refuseDeepNesting(_req: IncomingMessage, _res: unknown, raw: Buffer): void {
  if (jsonDepth(raw) > MAX_JSON_DEPTH) {
    throw Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), {
      status: 400,
      type: 'entity.too.deep',
    });
  }
}

/**
 * JSON bodies up to BODY_LIMIT and MAX_JSON_DEPTH; anything else never reaches a handler. A request
 * with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3): it skips the
 * parser's checks, and gets the `req.body` the parser would set (Apollo refuses a request without
 * one).
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  const parse = json({ limit: limitBytes, verify: refuseDeepNesting });
  return (req, res, next) => {
    if (
      req.headers['content-length'] === undefined &&
      req.headers['transfer-encoding'] === undefined
    ) {
      req.body = undefined;
      next();
      return;
    }
    parse(req, res, next);
  };
}
