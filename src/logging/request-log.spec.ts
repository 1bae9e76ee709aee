import { Logger } from '@nestjs/common';
import express, { Request } from 'express';
import { request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { captureLogs } from '../../test/support/log-capture';
import { requestIdMiddleware } from '../http/request-id.middleware';
import { nestLoggerOf } from './logging.module';
import { requestLogMiddleware } from './request-log';

/**
 * The request log on a real HTTP server: its line for each way a request can end, and the request
 * id on lines Nest's Logger writes while the request runs.
 */
describe('request log', () => {
  const logs = captureLogs();
  const inRoute = new Logger('Route');
  let server: Server;
  let port: number;
  let abortedRequestClosed: Promise<void>;

  beforeAll(async () => {
    // nestjs-pino's Logger writes through the request's logger it finds in the async context
    Logger.overrideLogger(nestLoggerOf(logs.logger));
    const app = express();
    app.use(requestIdMiddleware);
    app.use(requestLogMiddleware(logs.logger));
    app.get('/ok', (_req, res) => {
      setImmediate(() => inRoute.log('later, in the same request'));
      setTimeout(() => res.json({ ok: true }), 5);
    });
    app.get('/broken', (_req, res) => {
      res.status(500).json({});
    });
    let closed: () => void;
    abortedRequestClosed = new Promise((resolve) => (closed = resolve));
    app.get('/slow', (req: Request) => {
      req.on('close', () => setImmediate(closed));
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    Logger.overrideLogger(false);
    await new Promise((resolve) => server.close(resolve));
  });

  function get(path: string, requestId: string): Promise<number> {
    return new Promise((resolve, reject) => {
      httpRequest(
        { port, host: '127.0.0.1', path, headers: { 'X-Request-Id': requestId } },
        (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)),
      )
        .on('error', reject)
        .end();
    });
  }

  const ofRequest = (requestId: string) =>
    logs.entries().filter((entry) => entry.requestId === requestId);

  it('writes "request completed", with route, status and time, and binds the id to the lines written meanwhile', async () => {
    expect(await get('/ok', 'ok-1')).toBe(200);
    expect(ofRequest('ok-1')).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'Route',
        msg: 'later, in the same request',
      }),
      expect.objectContaining({
        level: 'info',
        msg: 'request completed',
        req: { method: 'GET', route: '/ok', ip: '127.0.0.1' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('writes a 5xx as "request errored", at level error', async () => {
    expect(await get('/broken', 'broken-1')).toBe(500);
    expect(ofRequest('broken-1')).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'request errored',
        res: { statusCode: 500 },
      }),
    ]);
  });

  it('writes "request aborted", once, when the client leaves before the answer', async () => {
    const sent = httpRequest({
      port,
      host: '127.0.0.1',
      path: '/slow',
      headers: { 'X-Request-Id': 'gone-1' },
    });
    sent.on('error', () => undefined).end();
    setTimeout(() => sent.destroy(), 20);
    await abortedRequestClosed;
    expect(ofRequest('gone-1')).toEqual([
      expect.objectContaining({ level: 'info', msg: 'request aborted' }),
    ]);
  });
});
