import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';

const ROOT = join(__dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The real server process (src/main.ts), on its own embedded database. */
async function startServer(
  port: number,
  dataDir: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['-r', './scripts/register-ts-nest.js', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GOPATH: process.env.GOPATH,
      GOMODCACHE: process.env.GOMODCACHE,
      PORT: String(port),
      DATA_DIR: dataDir,
      NODE_ENV: 'test',
      BCRYPT_COST: '11',
      AUTH_RATE_LIMIT: '0',
      AUTH_IP_RATE_LIMIT: '0',
      ACCOUNT_LOCKOUT_THRESHOLD: '0',
      API_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Listening on')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

/** A JSON POST whose `written` settles once the whole request is on the wire. */
function post(url: string, body: object): { written: Promise<void>; status: Promise<number> } {
  let markWritten!: () => void;
  const written = new Promise<void>((resolve) => (markWritten = resolve));
  const status = new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.on('finish', markWritten);
    req.end(JSON.stringify(body));
  });
  return { written, status };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('graceful shutdown', () => {
  it('on SIGTERM finishes requests in flight, refuses new ones, stops the database, and loses nothing', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-sigterm-'));
    const url = `http://127.0.0.1:${port}`;
    const first = await startServer(port, dataDir);
    let second: ChildProcess | undefined;
    try {
      const usernames = Array.from({ length: 6 }, () => uniqueUsername('term'));
      // bcrypt at cost 11 keeps these sign-ups in flight when the signal arrives
      const inFlight = usernames.map((username) =>
        post(`${url}/auth/sign-up`, { username, password: PASSWORD }),
      );
      const settled = Promise.allSettled(inFlight.map(({ status }) => status));
      await Promise.all(inFlight.map(({ written }) => written));
      await new Promise((resolve) => setTimeout(resolve, 50));
      first.child.kill('SIGTERM');

      const statuses = await settled;
      expect(statuses).toEqual(usernames.map(() => ({ status: 'fulfilled', value: 201 })));
      await exited(first.child);
      await expect(request(url).get('/health/live')).rejects.toThrow();
      const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      expect(processes).not.toContain(join(dataDir, 'ferretdb'));
      expect(first.output()).not.toContain('"level":"error"');

      const restarted = await startServer(port, dataDir);
      second = restarted.child;
      for (const username of usernames) {
        await request(url).post('/auth/sign-in').send({ username, password: PASSWORD }).expect(200);
      }
    } finally {
      first.child.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second !== undefined) await exited(second);
    }
  });
});
