import { Readable } from 'node:stream';
import { HttpStatus, Logger, StreamableFile } from '@nestjs/common';
import type { Request } from 'express';
import type { AppError } from '../common/errors/app-error';

interface EnvelopeBase {
  statusCode: number;
  path: string;
  timestamp: string;
  requestId: string;
}

export interface SuccessEnvelope<T> extends EnvelopeBase {
  success: true;
  data: T;
}

export interface ErrorEnvelope extends EnvelopeBase {
  success: false;
  error: {
    code: string;
    message: string;
    details: AppError['details'];
    /** An error's public fields (MFA_REQUIRED's `mfaToken`). */
    [field: string]: unknown;
  };
}

function base(req: Request, statusCode: number): EnvelopeBase {
  return {
    statusCode,
    path: req.path,
    timestamp: new Date().toISOString(),
    requestId: req.requestId,
  };
}

/**
 * A route's answer sent as it is, outside the envelope: the JWK Set, which JWKS clients read as is.
 * The one exception the contract names; `EnvelopingExpressAdapter` sends it unwrapped.
 */
export class Unenveloped<T> {
  constructor(readonly body: T) {}
}

export function successEnvelope<T>(req: Request, statusCode: number, data: T): SuccessEnvelope<T> {
  return { success: true, ...base(req, statusCode), data };
}

export function errorEnvelope(req: Request, error: AppError): ErrorEnvelope {
  return {
    success: false,
    ...base(req, error.httpStatus),
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      ...error.publicFields,
    },
  };
}

/** Characters gathered before a piece of a streamed envelope is written. */
const STREAM_CHUNK_CHARS = 64 * 1024;
const streamLogger = new Logger('Errors');

/**
 * A 200 success envelope whose `data` array is read from `items` and written in pieces, for lists
 * too long to hold in memory: byte for byte what {@link successEnvelope} would give for the whole
 * array. Nothing is sent before the first item (or the end) has arrived, so a query that fails at
 * once still reaches the exception filter; a failure after that cuts the connection, since a
 * status line is out and a truncated body must not pass for a complete one.
 */
export async function streamedSuccessEnvelope<T>(
  req: Request,
  items: AsyncIterable<T>,
): Promise<StreamableFile> {
  const source = items[Symbol.asyncIterator]();
  const first = await source.next();
  // the envelope of an empty list, opened where its `data` (the last field) begins
  const empty = JSON.stringify(successEnvelope(req, HttpStatus.OK, []));
  const opening = empty.slice(0, -']}'.length);

  async function* pieces(): AsyncGenerator<string> {
    let piece = opening;
    let separator = '';
    for (let next = first; next.done !== true; next = await source.next()) {
      // as inside an array: what JSON.stringify leaves out (undefined, functions) becomes null
      piece += separator + (JSON.stringify(next.value) ?? 'null');
      separator = ',';
      if (piece.length >= STREAM_CHUNK_CHARS) {
        yield piece;
        piece = '';
      }
    }
    yield `${piece}]}`;
  }

  const stream = Readable.from(pieces(), { objectMode: false });
  // a client that leaves early destroys the stream: release the source (its database cursor)
  stream.once('close', () => {
    source.return?.().catch(() => undefined);
  });
  return new StreamableFile(stream, { type: 'application/json; charset=utf-8' }).setErrorHandler(
    (error, res) => {
      if (res.destroyed) return;
      streamLogger.error(
        `requestId=${req.requestId} streamed response cut: ${error.stack ?? error.message}`,
      );
      res.destroy?.();
    },
  );
}
