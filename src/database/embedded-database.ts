import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const PROJECT_ROOT = resolve(__dirname, '..', '..');
const LAUNCHER_SOURCE = join(PROJECT_ROOT, 'tools', 'ferretdb');
const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB@v1.24.2';
/**
 * Makes FerretDB's SQLite backend use its `_id` index: unpatched, every lookup and update scans
 * the whole collection (its queries ask for `->'$._id'`, the index is on `->"_id"`).
 */
const PATCH_FILE = join(LAUNCHER_SOURCE, 'sqlite-id-index.patch');
/** Where the `replace` directive of tools/ferretdb/go.mod points. */
const PATCHED_SOURCE = join(TOOLS_DIR, 'ferretdb-1.24.2-src');
/** Named after the launcher's sources, so any change to them (or to the patch) builds again. */
const TOOLS_BIN = join(TOOLS_DIR, `ferretdb-1.24.2-${sourcesDigest()}`);
export const FERRETDB_BINARY = join(TOOLS_BIN, 'ferretdb');
const BUILD_LOCK = join(TOOLS_DIR, 'ferretdb-build.lock');
const BUILD_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** The longest Unix socket path macOS takes (Linux takes 107 bytes). */
const MAX_SOCKET_PATH_BYTES = 103;

function sourcesDigest(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go', 'sqlite-id-index.patch']) {
    hash.update(readFileSync(join(LAUNCHER_SOURCE, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Start-up cannot go on; the message is the one line printed. */
export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
}

/**
 * Builds the patched FerretDB 1.24.2 once with `go install` into the git-ignored `.tools/`; later
 * calls reuse the binary. Concurrent first starts wait for one build.
 */
export async function ensureFerretDbBinary(): Promise<string> {
  if (existsSync(FERRETDB_BINARY)) return FERRETDB_BINARY;
  mkdirSync(TOOLS_DIR, { recursive: true });
  await withBuildLock(async () => {
    if (existsSync(FERRETDB_BINARY)) return;
    await preparePatchedSource(PATCHED_SOURCE);
    await run('go', ['install', '.'], LAUNCHER_SOURCE, {
      GOBIN: TOOLS_BIN,
      GOFLAGS: '-mod=readonly',
    });
  });
  return FERRETDB_BINARY;
}

/**
 * A writable copy of the FerretDB module from the Go module proxy, with the patch applied, in
 * `target` (the build uses PATCHED_SOURCE; the patch's Go tests use a copy of their own).
 */
export async function preparePatchedSource(target: string): Promise<void> {
  // outside any Go module, so the replace directive does not apply to the download itself
  const download = await run('go', ['mod', 'download', '-json', FERRETDB_MODULE], TOOLS_DIR, {
    GOFLAGS: '-mod=mod',
  });
  const { Dir: moduleDir } = JSON.parse(download) as { Dir: string };
  rmSync(target, { recursive: true, force: true });
  cpSync(moduleDir, target, { recursive: true });
  await run('chmod', ['-R', 'u+w', target], TOOLS_DIR);
  // the copy may sit inside this repository's work tree: keep git from treating it as part of it
  await run('git', ['apply', '-p1', PATCH_FILE], target, {
    GIT_CEILING_DIRECTORIES: dirname(target),
  });
}

async function withBuildLock(build: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new EmbeddedDatabaseError(
          `Another FerretDB build holds ${BUILD_LOCK}; remove it if none runs`,
        );
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  try {
    await build();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      cwd,
      env: { ...process.env, ...env },
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && command === 'go') {
      throw new EmbeddedDatabaseError(
        'MONGODB_URI is not set and Go is not installed: set MONGODB_URI to a MongoDB server, or install Go so the embedded FerretDB can be built',
      );
    }
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').pop() || String(error);
    throw new EmbeddedDatabaseError(
      `Building the embedded FerretDB failed (${command} ${args[0]}): ${stderr}`,
    );
  }
}

/**
 * A running FerretDB child process, its data in `dataDir`. It listens on a Unix socket in a
 * directory only this user can enter, never on a TCP port: FerretDB asks for no password, and
 * the socket keeps every other user of the machine (and anything that can only open TCP
 * connections) away from it. The socket also costs less per command than loopback TCP.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly child: ChildProcess,
    readonly uri: string,
    readonly dataDir: string,
  ) {}

  /** A database started again on the same `dataDir` answers at the same URI. */
  static async start(dataDir: string): Promise<EmbeddedDatabase> {
    const binary = await ensureFerretDbBinary();
    // absolute: the URI names the socket, and a relative one would depend on the working directory
    const dbDir = resolve(dataDir, 'ferretdb');
    const { socket, socketDir } = socketPathIn(dbDir);
    const child = spawn(
      binary,
      [
        `--data-dir=${dbDir}`,
        `--listen-unix=${socket}`,
        '--log-level=error',
        // the stdin pipe closes when this process dies, however it dies: FerretDB then stops too
        '--stop-on-stdin-eof',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    if (socketDir !== undefined) {
      child.once('exit', () => rmSync(socketDir, { recursive: true, force: true }));
    }
    const uri = await readUri(child);
    return new EmbeddedDatabase(child, uri, dataDir);
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

/**
 * The socket goes into the database's own directory, unless that path is too long for a socket:
 * then into a private directory of its own under the system's temporary one, removed when
 * FerretDB exits. FerretDB removes the socket itself when it stops.
 */
function socketPathIn(dbDir: string): { socket: string; socketDir?: string } {
  const socket = join(dbDir, 'mongodb.sock');
  if (Buffer.byteLength(socket) <= MAX_SOCKET_PATH_BYTES) return { socket };
  const socketDir = mkdtempSync(join(tmpdir(), 'auth-ferretdb-'));
  return { socket: join(socketDir, 'mongodb.sock'), socketDir };
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
