import { Logger, StreamableFile } from '@nestjs/common';
import type { Request } from 'express';
import { AppError, ErrorCode, MfaRequiredError } from '../common/errors/app-error';
import { streamedSuccessEnvelope, successEnvelope, errorEnvelope } from './envelope';
import { errorExtensions } from '../common/errors/graphql-error-body';

const req = { path: '/users', requestId: 'req-1' } as Request;

/** `items` one at a time, each after a turn of the event loop, as a database cursor gives them. */
async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

/** Every piece the stream writes, as text. */
async function pieces(file: StreamableFile): Promise<string[]> {
  const read: string[] = [];
  for await (const chunk of file.getStream()) read.push(String(chunk));
  return read;
}

/** What the normal success envelope answers for `items`, at the streamed body's timestamp. */
function expectedBody(items: unknown[], streamed: string): string {
  const { timestamp } = JSON.parse(streamed) as { timestamp: string };
  return JSON.stringify({ ...successEnvelope(req, 200, items), timestamp });
}

const user = (i: number) => ({
  id: i.toString(16).padStart(24, '0'),
  username: `user-${i}-"quoted"-ünïcode`,
  role: 'user',
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)),
  updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)),
});

describe(streamedSuccessEnvelope.name, () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['no items', []],
    ['one item', [user(1)]],
    ['items JSON leaves out, as an array does', [user(1), undefined, () => 1, null]],
    ['many items', Array.from({ length: 5000 }, (_, i) => user(i))],
  ])('writes what successEnvelope gives for %s', async (_name, items: unknown[]) => {
    const file = await streamedSuccessEnvelope(req, from(items));
    expect(file.getHeaders().type).toBe('application/json; charset=utf-8');
    const body = (await pieces(file)).join('');
    expect(body).toBe(expectedBody(items, body));
    expect(JSON.parse(body)).toMatchObject({ success: true, statusCode: 200, path: '/users' });
  });

  it('writes a long list in pieces of about 64 KB', async () => {
    const file = await streamedSuccessEnvelope(
      req,
      from(Array.from({ length: 5000 }, (_, i) => user(i))),
    );
    const written = await pieces(file);
    expect(written.length).toBeGreaterThan(5);
    for (const piece of written.slice(0, -1)) {
      expect(Buffer.byteLength(piece)).toBeGreaterThanOrEqual(64 * 1024);
      expect(Buffer.byteLength(piece)).toBeLessThan(66 * 1024);
    }
  });

  it('rejects, sending nothing, when the source fails before its first item', async () => {
    async function* failing(): AsyncGenerator<never> {
      yield* from([]);
      throw new Error('database unavailable');
    }
    await expect(streamedSuccessEnvelope(req, failing())).rejects.toThrow('database unavailable');
  });

  it('fails the stream when the source fails after its first item', async () => {
    async function* failingLater(): AsyncGenerator<unknown> {
      yield* from(Array.from({ length: 2000 }, (_, i) => user(i)));
      throw new Error('connection lost');
    }
    const file = await streamedSuccessEnvelope(req, failingLater());
    const read: string[] = [];
    await expect(async () => {
      for await (const chunk of file.getStream()) read.push(String(chunk));
    }).rejects.toThrow('connection lost');
    // a piece already went out, and what went out is not valid JSON
    expect(read.length).toBeGreaterThan(0);
    expect(() => JSON.parse(read.join('')) as unknown).toThrow();
  });

  it.each([true, false])(
    'destroys the response on a failure (headers sent: %s), never ends it',
    async (headersSent) => {
      const file = await streamedSuccessEnvelope(req, from([user(1)]));
      const res = {
        destroyed: false,
        headersSent,
        statusCode: 200,
        send: jest.fn(),
        end: jest.fn(),
        destroy: jest.fn(),
      };
      file.errorHandler(new Error('connection lost'), res);
      expect(res.destroy).toHaveBeenCalled();
      expect(res.end).not.toHaveBeenCalled();
      expect(res.send).not.toHaveBeenCalled();
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('req-1'));
    },
  );

  it('reads only as far ahead as the reader, and releases the source when destroyed', async () => {
    let pulled = 0;
    let released!: () => void;
    const releasedSource = new Promise<void>((resolve) => (released = resolve));
    async function* huge(): AsyncGenerator<unknown> {
      try {
        for (let i = 0; i < 1_000_000; i += 1) {
          pulled += 1;
          yield await Promise.resolve(user(i));
        }
      } finally {
        released();
      }
    }
    const stream = (await streamedSuccessEnvelope(req, huge())).getStream();
    await new Promise((resolve) => stream.once('readable', resolve));
    for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
    const perPiece = Math.ceil((64 * 1024) / JSON.stringify(user(0)).length);
    expect(pulled).toBeLessThan(3 * perPiece);

    stream.destroy();
    await releasedSource;
    expect(pulled).toBeLessThan(3 * perPiece);
  });
});

describe(errorEnvelope.name, () => {
  it("answers an error's public fields beside its code, on both faces", () => {
    const error = new MfaRequiredError('the-token');
    expect(errorEnvelope(req, error).error).toEqual({
      code: ErrorCode.MFA_REQUIRED,
      message: error.message,
      details: [],
      mfaToken: 'the-token',
    });
    expect(errorExtensions(error)).toMatchObject({
      code: 'UNAUTHENTICATED',
      errorCode: ErrorCode.MFA_REQUIRED,
      mfaToken: 'the-token',
    });
  });

  it('answers only code, message and details for an error without public fields', () => {
    expect(Object.keys(errorEnvelope(req, new AppError(ErrorCode.NOT_FOUND)).error)).toEqual([
      'code',
      'message',
      'details',
    ]);
  });
});
