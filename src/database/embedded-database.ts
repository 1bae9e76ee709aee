import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const PROJECT_ROOT = resolve(__dirname, '..', '..');
const LAUNCHER_SOURCE = join(PROJECT_ROOT, 'tools', 'ferretdb');
const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');
export const FERRETDB_BINARY = join(TOOLS_BIN, 'ferretdb');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Start-up cannot go on; the message is the one line printed. */
export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}

/**
 * Builds FerretDB 1.24.2 once with `go install` into the git-ignored `.tools/bin`. Later calls
 * reuse the binary. Concurrent builds are harmless: `go install` replaces the file atomically.
 */
export async function ensureFerretDbBinary(): Promise<string> {
  if (existsSync(FERRETDB_BINARY)) return FERRETDB_BINARY;
  mkdirSync(TOOLS_BIN, { recursive: true });
  try {
    await promisify(execFile)('go', ['install', '.'], {
      cwd: LAUNCHER_SOURCE,
      env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=readonly' },
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EmbeddedDatabaseError(
        'MONGODB_URI is not set and Go is not installed: set MONGODB_URI to a MongoDB server, or install Go so the embedded FerretDB can be built',
      );
    }
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? String(error);
    throw new EmbeddedDatabaseError(`Building the embedded FerretDB failed: ${stderr}`);
  }
  return FERRETDB_BINARY;
}

/** A running FerretDB child process on a free loopback port, its data in `dataDir`. */
export class EmbeddedDatabase {
  private constructor(
    private readonly child: ChildProcess,
    readonly uri: string,
    readonly dataDir: string,
  ) {}

  /** `port` 0 picks a free one; a fixed port lets a restarted database keep its URI. */
  static async start(dataDir: string, port = 0): Promise<EmbeddedDatabase> {
    const binary = await ensureFerretDbBinary();
    const dbDir = join(dataDir, 'ferretdb');
    mkdirSync(dbDir, { recursive: true });
    const child = spawn(
      binary,
      [`--data-dir=${dbDir}`, `--listen-addr=127.0.0.1:${port}`, '--log-level=error'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const uri = await readUri(child);
    return new EmbeddedDatabase(child, uri, dataDir);
  }

  get port(): number {
    return Number(new URL(this.uri).port);
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops FerretDB with SIGTERM, so SQLite closes cleanly; SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

function readUri(child: ChildProcess): Promise<string> {
  return new Promise((resolveUri, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new EmbeddedDatabaseError(
          `The embedded FerretDB did not start within ${START_TIMEOUT_MS / 1000}s`,
        ),
      );
    }, START_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolveUri(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const reason = stderr.trim().split('\n').pop() ?? '';
      reject(
        new EmbeddedDatabaseError(`The embedded FerretDB exited with code ${code}: ${reason}`),
      );
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new EmbeddedDatabaseError(`The embedded FerretDB could not be started: ${error.message}`),
      );
    });
  });
}
