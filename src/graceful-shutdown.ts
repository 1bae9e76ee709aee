import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import { INestApplication, Logger } from '@nestjs/common';
import { flushLogs } from './logging/app-logger';

/** Longer than any request should take, shorter than an orchestrator's usual 30 s grace period. */
const DRAIN_TIMEOUT_MS = 25_000;

const logger = new Logger('Shutdown');

/**
 * Drains an HTTP server: stop accepting, let every request already received finish, answer
 * requests that arrive meanwhile on open keep-alive connections with `Connection: close`, then
 * close what is left.
 *
 * Node's `server.close()` is not used for the first step: it also destroys every connection with
 * no request in progress, including one accepted a moment ago whose request is still unread in the
 * socket buffer, and its client sees ECONNRESET. Closing only the listener keeps those connections,
 * and each request on them is answered, with `Connection: close`.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;
  private settled: (() => void) | undefined;

  constructor(private readonly server: Server) {
    server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      if (this.draining) closeAfter(res);
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        if (this.inFlight.size === 0) this.settled?.();
      });
    });
  }

  async drain(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => {
      NetServer.prototype.close.call(this.server, () => resolve());
    });
    logger.log(
      `No longer accepting connections; finishing ${this.inFlight.size} request(s) in flight`,
    );
    for (const res of this.inFlight) closeAfter(res);
    if (this.inFlight.size > 0) {
      const finished = new Promise<void>((resolve) => (this.settled = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, DRAIN_TIMEOUT_MS).unref();
      });
      await Promise.race([finished, timedOut]);
      clearTimeout(timer);
      if (this.inFlight.size > 0) {
        logger.warn(
          `Dropping ${this.inFlight.size} request(s) still running after the drain timeout`,
        );
        this.server.closeAllConnections();
      }
    }
    // every request is answered: the connections left are idle keep-alive ones
    this.server.closeIdleConnections();
    await closed;
  }
}

function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}

/**
 * On SIGTERM or SIGINT: drain HTTP first, then close the app (GraphQL, the database connection,
 * the embedded database), then die of the same signal. Nest's own shutdown hooks would stop
 * GraphQL and the other modules before the HTTP server, while requests are still coming in.
 */
export function closeGracefullyOnSignals(
  app: INestApplication,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  const drain = new HttpDrain(app.getHttpServer() as Server);
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const each of signals) process.removeListener(each, onSignal);
    // a repeated signal while draining is ignored (no listener left would let it kill us)
    for (const each of signals) process.on(each, ignore);
    logger.log(`${signal} received: shutting down`);
    drain
      .drain()
      .then(() => app.close())
      .then(() => {
        for (const each of signals) process.removeListener(each, ignore);
        logger.log(`Closed: exiting on ${signal}`);
        // a death by signal has no exit event, where pino would flush
        flushLogs();
        process.kill(process.pid, signal);
      })
      .catch((error: unknown) => {
        logger.error('Shutdown failed', error instanceof Error ? error.stack : String(error));
        process.exit(1);
      });
  };
  for (const signal of signals) process.on(signal, onSignal);
}

function ignore(): void {}
