import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Every knob of the bench, read once from the environment. */
export interface BenchConfig {
  /** Measured seconds per scenario. */
  readonly durationS: number;
  /** Unmeasured seconds before each scenario (JIT, connection pools, caches). */
  readonly warmupS: number;
  /** Concurrent connections of every HTTP scenario, and in-flight operations of every bound. */
  readonly connections: number;
  /** Users in the database for every throughput scenario. */
  readonly users: number;
  /** Open sessions seeded for sessions-of-user and revoke-session. */
  readonly sessions: number;
  /** Users for the second unpaged-list measurement. */
  readonly scaleUsers: number;
  /** Refresh tokens stored (of random users) before `tokens-of-user`. */
  readonly tokens: number;
  /** Unpaged-list requests per size; the median time and the largest RSS growth are reported. */
  readonly scaleRepeat: number;
  /** Scenario names to run (their bounds come along); empty: all. */
  readonly only: readonly string[];
  /** Start the server with --cpu-prof; profiles land in bench/.data/profiles. */
  readonly cpuProfile: boolean;
  /** Node.js flags for the server: package.json `config.serverNodeOptions` (as start:prod), or BENCH_NODE_OPTIONS to try another. */
  readonly serverNodeOptions: string;
  /** Keep the FerretDB files of the run in bench/.data/data. */
  readonly keepData: boolean;
  /** Run the server with METRICS_ENABLED=true (every request then feeds the histogram). */
  readonly metrics: boolean;
  readonly bcryptCost: number;
  readonly projectRoot: string;
  readonly workDir: string;
  readonly resultsFile: string;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function flag(name: string): boolean {
  return ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());
}

function productionNodeOptions(projectRoot: string): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
    config?: { serverNodeOptions?: string };
  };
  return manifest.config?.serverNodeOptions ?? '';
}

export function loadBenchConfig(): BenchConfig {
  const projectRoot = resolve(__dirname, '..');
  const users = positiveInt('BENCH_USERS', 10_000);
  return {
    durationS: positiveInt('BENCH_DURATION', 8),
    warmupS: positiveInt('BENCH_WARMUP', 2),
    connections: positiveInt('BENCH_CONNECTIONS', 10),
    users,
    sessions: positiveInt('BENCH_SESSIONS', 100_000),
    scaleUsers: Math.max(users, positiveInt('BENCH_SCALE_USERS', 100_000)),
    scaleRepeat: positiveInt('BENCH_SCALE_REPEAT', 3),
    tokens: positiveInt('BENCH_TOKENS', 100_000),
    only: (process.env.BENCH_ONLY ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    cpuProfile: flag('BENCH_CPU_PROF'),
    keepData: flag('BENCH_KEEP_DATA'),
    metrics: flag('BENCH_METRICS'),
    // the production server's flags (`npm run start:prod` reads the same package.json field)
    serverNodeOptions: process.env.BENCH_NODE_OPTIONS ?? productionNodeOptions(projectRoot),
    bcryptCost: 10,
    projectRoot,
    workDir: resolve(projectRoot, 'bench', '.data'),
    resultsFile: resolve(projectRoot, 'bench', 'results.json'),
  };
}
