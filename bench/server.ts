import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface ServerOptions {
  projectRoot: string;
  dataDir: string;
  logFile: string;
  env: Record<string, string>;
  /** Write a V8 CPU profile into this directory on exit. */
  cpuProfileDir?: string;
  /** Use this server's FerretDB instead of starting one (stopping leaves it running). */
  sharedDatabaseOf?: BenchServer;
}

/** The production server (`node dist/main`) and the embedded FerretDB it started. */
export class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly ferretPid: number,
    /** The FerretDB the server uses, with the server's database name. */
    readonly mongoUri: string,
    private readonly profiling: boolean,
    private readonly ownsDatabase: boolean,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: ServerOptions): Promise<BenchServer> {
    const port = await freePort();
    const shared = options.sharedDatabaseOf;
    const nodeArgs: string[] = [];
    if (options.cpuProfileDir !== undefined) {
      // Nest re-raises SIGTERM after its shutdown hooks, and a signal death writes no profile:
      // SIGUSR2 ends the process with exit(), which does.
      nodeArgs.push(
        '--cpu-prof',
        `--cpu-prof-dir=${options.cpuProfileDir}`,
        '--import=data:text/javascript,process.on("SIGUSR2",()=>process.exit(0))',
      );
    }
    const log = createWriteStream(options.logFile);
    // cwd outside the project, so a developer's .env (say, MONGODB_URI) cannot leak in
    const child = spawn(
      process.execPath,
      [...nodeArgs, join(options.projectRoot, 'dist', 'main')],
      {
        cwd: options.dataDir,
        env: {
          ...withoutServiceSettings(process.env),
          ...options.env,
          PORT: String(port),
          DATA_DIR: options.dataDir,
          ...(shared !== undefined && { MONGODB_URI: shared.mongoUri }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitUntilLive(child, baseUrl, options.logFile);
      const ferretPid = shared?.ferretPid ?? findFerretDbChild(child.pid!);
      const mongoUri = shared?.mongoUri ?? socketUri(ferretPid);
      return new BenchServer(
        child,
        baseUrl,
        ferretPid,
        mongoUri,
        options.cpuProfileDir !== undefined,
        shared === undefined,
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Graceful stop (the server stops its FerretDB), then SIGKILL for whatever is left. */
  async stop(): Promise<void> {
    if (isAlive(this.child)) {
      const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
      this.child.kill(this.profiling ? 'SIGUSR2' : 'SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (this.ownsDatabase) await stopPid(this.ferretPid);
  }

  /** Last resort from an exit handler: synchronous, no waiting. */
  killNow(): void {
    if (isAlive(this.child)) this.child.kill('SIGKILL');
    if (!this.ownsDatabase) return;
    try {
      process.kill(this.ferretPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The `bare-nest` limit (bench/bare-nest.ts) in its own process, with the server's Node.js flags and
 * NODE_ENV=production.
 */
export class BareNestServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(projectRoot: string, nodeOptions: string): Promise<BareNestServer> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(projectRoot, 'bench', 'bare-nest.ts')],
      {
        cwd: projectRoot,
        env: {
          ...withoutServiceSettings(process.env),
          NODE_ENV: 'production',
          PORT: String(port),
          ...(nodeOptions !== '' && { NODE_OPTIONS: nodeOptions }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const listening = new Promise<void>((resolveStart, reject) => {
      const collect = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('listening')) resolveStart();
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.once('exit', (code) => reject(new Error(`bare-nest exited (${code}): ${output}`)));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
    try {
      await listening;
    } finally {
      clearTimeout(timer);
    }
    return new BareNestServer(child, `http://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    if (!isAlive(this.child)) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGKILL');
    await exited;
  }

  killNow(): void {
    if (isAlive(this.child)) this.child.kill('SIGKILL');
  }
}

/** The service's own variables (see the API contract) are set by the bench alone. */
const SERVICE_SETTINGS =
  /^(PORT|MONGODB_URI|DATA_DIR|JWT_.*|REFRESH_.*|COOKIE_.*|BCRYPT_COST|FRESH_LOGIN_MAX_AGE|SESSION_CHECK_CACHE_SECONDS|AUTH_RATE_LIMIT|AUTH_IP_RATE_LIMIT|ACCOUNT_LOCKOUT_.*|API_RATE_LIMIT|BODY_LIMIT|CORS_ORIGINS|ADMIN_.*|TRUST_PROXY|NODE_ENV|METRICS_.*|OTEL_.*|HOST|LOG_FORMAT|MAX_SESSIONS_PER_USER|SESSION_.*|SECURITY_EVENTS_RETENTION|CLEANUP_INTERVAL|DEVICE_COOKIE_NAME|SMTP_URL|MAIL_FROM|APP_URL|EMAIL_VERIFICATION_TTL|PASSWORD_RESET_TTL|REQUIRE_EMAIL_VERIFICATION|MFA_.*)$/;

function withoutServiceSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !SERVICE_SETTINGS.test(entry[0]),
    ),
  );
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopPid(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < STOP_GRACE_MS && alive(); waited += 100) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitUntilLive(child: ChildProcess, baseUrl: string, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(child)) throw new Error(`the server exited during start-up; see ${logFile}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(
    `the server did not answer /health within ${START_TIMEOUT_MS / 1000}s; see ${logFile}`,
  );
}

/** The FerretDB process among the server's children (Linux /proc). */
function findFerretDbChild(serverPid: number): number {
  const children = readdirSync(`/proc/${serverPid}/task`).flatMap((task) =>
    readFileSync(`/proc/${serverPid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  const ferret = children.find((pid) =>
    readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ferretdb'),
  );
  if (ferret === undefined)
    throw new Error('the server started no FerretDB: is MONGODB_URI set in the environment?');
  return ferret;
}

/**
 * The URI of the Unix socket FerretDB listens on (its `--listen-unix`), so the bounds reach the
 * database as the server does.
 */
function socketUri(pid: number): string {
  const flag = '--listen-unix=';
  const socket = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .find((arg) => arg.startsWith(flag));
  if (socket === undefined) throw new Error(`FerretDB (pid ${pid}) has no ${flag}`);
  return `mongodb://${encodeURIComponent(socket.slice(flag.length))}/auth`;
}

/** Resident memory of a process in MiB, from /proc/<pid>/status; undefined once it is gone. */
export function readMemoryMb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Polls a process's RSS and keeps the peak of the current window. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  private overallPeak = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  current(): number {
    return readMemoryMb(this.pid)?.rss ?? 0;
  }

  /** Starts a new window; returns the RSS now. */
  reset(): number {
    this.peak = 0;
    this.sample();
    return this.peak;
  }

  /** The peak RSS since the last reset. */
  windowPeak(): number {
    this.sample();
    return this.peak;
  }

  overall(): number {
    return this.overallPeak;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = this.current();
    this.peak = Math.max(this.peak, rss);
    this.overallPeak = Math.max(this.overallPeak, rss);
  }
}

/** CPU seconds a process has used (user + system), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const CLOCK_TICKS = 100;
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * Waits until these processes together use under `maxCores` of CPU, so work left over from the
 * previous scenario (requests the load generator abandoned) does not run into the next one.
 * Returns the seconds waited.
 */
export async function waitForIdle(
  pids: readonly number[],
  maxWaitS = 60,
  maxCores = 0.1,
): Promise<number> {
  const began = performance.now();
  const SAMPLE_MS = 500;
  while (performance.now() - began < maxWaitS * 1000) {
    const before = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    await sleep(SAMPLE_MS);
    const used = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - before;
    if (used / (SAMPLE_MS / 1000) < maxCores) break;
  }
  return (performance.now() - began) / 1000;
}
