import { LIMITS_OFF } from '../support/test-app';
import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import { EmbeddedDatabase } from '../../src/database/embedded-database';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { freePort, ServerProcess, spawnServer } from '../support/server-process';

const RECEIVED = (method: string, path: string) => `[request-observer] received ${method} ${path}`;
const DRAINING = 'No longer accepting connections';

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Every server process a test started, killed after each test whatever happened. */
const started = new Set<ChildProcess>();
afterEach(() => {
  for (const child of started) child.kill('SIGKILL');
  started.clear();
});

/** The real server process (src/main.ts) on its own embedded database, reporting each request it parses. */
async function startServer(port: number, dataDir: string): Promise<ServerProcess> {
  const server = spawnServer(
    {
      PORT: String(port),
      DATA_DIR: dataDir,
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      BCRYPT_COST: '11',
      ...LIMITS_OFF,
    },
    ['./test/support/request-observer.js'],
  );
  started.add(server.child);
  await server.waitFor('start-up', (text) => text.includes('Listening on'));
  return server;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One TCP connection speaking HTTP/1.1 by hand, so the test decides when each byte is sent. */
class RawConnection {
  private buffer = Buffer.alloc(0);
  private onData: (() => void) | undefined;
  private closed = false;
  readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.onData?.();
    });
    // a reset shows as a closed connection in response()
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.onData?.();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Reads the next response (the service always sends Content-Length). */
  response(): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const parse = (): void => {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return this.closed ? fail() : undefined;
        const [statusLine, ...lines] = this.buffer.subarray(0, end).toString().split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          }),
        );
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length < end + 4 + length) return this.closed ? fail() : undefined;
        const body = this.buffer.subarray(end + 4, end + 4 + length).toString();
        this.buffer = this.buffer.subarray(end + 4 + length);
        this.onData = undefined;
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
      };
      const fail = (): void => {
        this.onData = undefined;
        reject(new Error('the server closed the connection without a complete response'));
      };
      this.onData = parse;
      parse();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function signUpRequest(username: string): { head: string; body: string } {
  const body = JSON.stringify({ username, password: PASSWORD });
  const head =
    'POST /auth/sign-up HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return { head, body };
}

const LIVENESS = 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

function postStatus(url: string, body: object): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function connectionRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, answers every request it had received and late keep-alive requests with Connection: close, stops the database, and loses nothing', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-sigterm-'));
    const url = `http://127.0.0.1:${port}`;
    const first = await startServer(port, dataDir);
    const connections: RawConnection[] = [];
    let database: EmbeddedDatabase | undefined;
    try {
      // a sign-up whose body is held back: in flight until the test sends the rest
      const heldUsername = uniqueUsername('held');
      const held = signUpRequest(heldUsername);
      const heldConnection = await RawConnection.open(port);
      connections.push(heldConnection);
      heldConnection.write(held.head + held.body.slice(0, 10));

      // six complete sign-ups; bcrypt at cost 11 keeps them busy when the signal arrives
      const usernames = Array.from({ length: 6 }, () => uniqueUsername('term'));
      const statuses = Promise.allSettled(
        usernames.map((username) =>
          postStatus(`${url}/auth/sign-up`, { username, password: PASSWORD }),
        ),
      );

      // a keep-alive connection, idle when the signal arrives
      const keepAlive = await RawConnection.open(port);
      connections.push(keepAlive);
      keepAlive.write(LIVENESS);
      expect(await keepAlive.response()).toMatchObject({
        status: 200,
        headers: { connection: 'keep-alive' },
      });

      // the server itself has parsed all seven sign-ups, not only the client written them
      await first.waitFor(
        'seven sign-ups received',
        (output) => count(output, RECEIVED('POST', '/auth/sign-up')) === 7,
      );
      first.child.kill('SIGTERM');
      await first.waitFor('draining', (output) => output.includes(DRAINING));

      // new connections are refused at once
      expect(await connectionRefused(port)).toBe('ECONNREFUSED');

      // a late request on the open keep-alive connection is answered, and the connection closed
      keepAlive.write(LIVENESS);
      expect(await keepAlive.response()).toMatchObject({
        status: 200,
        headers: { connection: 'close' },
      });
      await keepAlive.ended;

      // the held request finishes, with Connection: close
      heldConnection.write(held.body.slice(10));
      expect(await heldConnection.response()).toMatchObject({
        status: 201,
        headers: { connection: 'close' },
      });

      expect(await statuses).toEqual(usernames.map(() => ({ status: 'fulfilled', value: 201 })));
      await first.closed;
      await expect(request(url).get('/health/live')).rejects.toThrow();
      const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      expect(processes).not.toContain(join(dataDir, 'ferretdb'));
      expect(first.output()).not.toContain('"level":"error"');
      expect(first.output()).not.toContain('Dropping');
      // written just before the process dies of the signal again: flushed, not lost with the buffer
      expect(first.output()).toContain('"msg":"Closed: exiting on SIGTERM"');

      // nothing written was lost: the database files, opened again, hold all seven users
      database = await EmbeddedDatabase.start(dataDir);
      const client = await MongoClient.connect(database.uri);
      try {
        const stored = await client
          .db('auth')
          .collection('users')
          .find({ username: { $in: [heldUsername, ...usernames] } })
          .toArray();
        expect(stored.map((user) => user.username as string).sort()).toEqual(
          [heldUsername, ...usernames].sort(),
        );
        for (const user of stored) expect(user.passwordHash).toMatch(/^\$2[aby]\$11\$/);
      } finally {
        await client.close();
      }
    } finally {
      for (const connection of connections) connection.destroy();
      await database?.stop();
    }
  }, 900_000); // a start-up compiling TypeScript on a busy machine: a bound for a hang only
});
