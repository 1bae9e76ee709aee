/**
 * `npm run bench`: builds, starts the production server on its own embedded FerretDB, seeds it,
 * measures the limits and the scenarios, and writes bench/results.json plus a markdown table.
 * See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as bcrypt from 'bcrypt';
import { format, resolveConfig } from 'prettier';
import type { BoundKind } from './bound-worker';
import { killBoundWorkers, measureBound } from './bounds';
import { BenchConfig, loadBenchConfig } from './config';
import { LoadResult, LoadSpec, runLoad } from './load';
import { MailSink } from './mail-sink';
import { markdown, Report, Row, ScaleRow, StorageFigure } from './report';
import { RECOVERY_CODE_COUNT } from '../src/mfa/recovery-codes';
import { BENCH_PASSWORD, SeededUsers, Seeder } from './seed';
import {
  BareNestServer,
  BenchServer,
  cpuSeconds,
  readMemoryMb,
  RssSampler,
  waitForIdle,
} from './server';
import { median, serialBound } from './stats';
import type { StorageTask } from './storage-worker';
import { measureTokenCost } from './token-cost';

const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const RSS_LIMIT_MB = 250;
const SCALE_GROWTH_ALLOWANCE_MB = 32;
const GRAPHQL_ERRORS = /"errors"\s*:/;

/** Scenario name → the rows its bound is made of (BENCH_ONLY pulls them in). */
const NEEDS: Record<string, string[]> = {
  baseline: ['bare-nest'],
  'user-by-id': ['baseline', 'db-read-bound'],
  'users-list': ['baseline', 'db-list-bound'],
  refresh: ['baseline', 'db-write-bound'],
  'mfa-verify': ['baseline', 'db-write-bound'],
  'sign-in': ['bcrypt-bound'],
  'sign-in-limited': ['sign-in', 'bcrypt-bound'],
  'forgot-known': ['forgot-unknown'],
  'forgot-mixed-known': ['forgot-mixed-unknown'],
  'gql-user': ['user-by-id', 'baseline', 'db-read-bound'],
  'users-page': ['user-by-id', 'baseline', 'db-read-bound'],
  'tokens-of-user': ['user-by-id', 'baseline', 'db-read-bound'],
  'gql-users-tokens': ['user-by-id', 'baseline', 'db-read-bound', 'db-users-tokens-bound'],
  'sessions-of-user': ['user-by-id', 'baseline', 'db-read-bound'],
  'revoke-session': ['baseline', 'db-write-bound'],
  'events-of-user': ['user-by-id', 'baseline', 'db-read-bound'],
  'user-by-id-metrics-on': ['user-by-id-metrics-off'],
};
/** The forgot-password rows: any of them brings the interleaved run, which comes first. */
const FORGOT_ROWS = [
  'forgot-mixed-unknown',
  'forgot-mixed-known',
  'forgot-unknown',
  'forgot-known',
];
/** How many rows' seconds the interleaved forgot-password run measures. */
const MIXED_ROUNDS = 3;
const HS256_SECRET = 'bench-only-secret-0123456789-abcdefghijklmnop';

/** Every brute-force layer on, for `sign-in-limited`. All its requests come from 127.0.0.1, so
 * the per-IP limit is set out of reach: it still claims its slot on every request. */
const BRUTE_FORCE_LAYERS_ON = {
  AUTH_RATE_LIMIT: '10',
  AUTH_IP_RATE_LIMIT: '1000000',
  ACCOUNT_LOCKOUT_THRESHOLD: '5',
  ACCOUNT_LOCKOUT_BASE_SECONDS: '30',
};

/** Scenarios measured again after the scale run has seeded `BENCH_SCALE_USERS` users. */
const RESCALED = ['user-by-id', 'users-page', 'tokens-of-user', 'gql-users-tokens'];
/** Security events seeded per user for `events-of-user` (10,000 users: 100,000 events). */
const EVENTS_PER_USER = 10;

let server: BenchServer | undefined;
/** The second server of `sign-in-limited`, on the first one's FerretDB. */
let limitedServer: BenchServer | undefined;
let bareNest: BareNestServer | undefined;
/** A twin of the server with other settings (HS256, metrics on), up only for its scenario. */
let twinServer: BenchServer | undefined;
let mailSink: MailSink | undefined;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** A run's answers by status, as the rows' details give them: "202×2066, 429×3". */
function statusesOf(result: LoadResult): string {
  return Object.entries(result.statusCodes)
    .map(([code, count]) => `${code}×${count}`)
    .join(', ');
}

function selected(config: BenchConfig): (name: string) => boolean {
  if (config.only.length === 0) return () => true;
  const names = new Set<string>();
  const add = (name: string): void => {
    if (names.has(name)) return;
    names.add(name);
    (NEEDS[name] ?? []).forEach(add);
  };
  config.only.forEach(add);
  // "users-page @100000" is users-page measured again at the scale size
  return (name) => names.has(name.split(' @')[0]);
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const wanted = selected(config);
  const startedAt = new Date().toISOString();
  const previous = existsSync(config.resultsFile)
    ? (JSON.parse(readFileSync(config.resultsFile, 'utf8')) as Report)
    : undefined;

  log('building (npm run build)');
  const build = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: config.projectRoot,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build failed');

  rmSync(config.workDir, { recursive: true, force: true });
  const dataDir = join(config.workDir, 'data');
  const profileDir = join(config.workDir, 'profiles');
  mkdirSync(dataDir, { recursive: true });

  const passwordHash = await bcrypt.hash(BENCH_PASSWORD, config.bcryptCost);
  // production needs a signing key: a fresh P-256 key per run, known to no one else
  const privateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  writeFileSync(join(config.workDir, 'jwt-es256-private-key.pem'), privateKey, { mode: 0o600 });
  // forgot-known sends real reset mails: to this sink, over SMTP
  mailSink = await MailSink.start();
  // known to the seeder too, which stores second factors as the server would
  const mfaEncryptionKey = randomBytes(32);
  log('starting the production server (node dist/main) on a fresh embedded FerretDB');
  const serverEnv = {
    SMTP_URL: mailSink.url,
    NODE_ENV: 'production',
    JWT_ALGORITHM: 'ES256',
    JWT_PRIVATE_KEY: privateKey,
    MFA_ENCRYPTION_KEY: mfaEncryptionKey.toString('base64'),
    BCRYPT_COST: String(config.bcryptCost),
    AUTH_RATE_LIMIT: '0',
    AUTH_IP_RATE_LIMIT: '0',
    ACCOUNT_LOCKOUT_THRESHOLD: '0',
    API_RATE_LIMIT: '0',
    COOKIE_SECURE: 'false',
    // the clean-up runs beside the scenarios, as it does on a live server
    CLEANUP_INTERVAL: '15s',
    METRICS_ENABLED: String(config.metrics),
    ...(config.serverNodeOptions !== '' && { NODE_OPTIONS: config.serverNodeOptions }),
  };
  server = await BenchServer.start({
    projectRoot: config.projectRoot,
    dataDir,
    logFile: join(config.workDir, 'server.log'),
    ...(config.cpuProfile && { cpuProfileDir: profileDir }),
    env: { ...serverEnv, ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password },
  });
  const live = server;
  log(
    `server pid ${live.pid} at ${live.baseUrl}; FerretDB pid ${live.ferretPid} at ${live.mongoUri}`,
  );
  const rss = new RssSampler(live.pid).start();
  const ferretRss = new RssSampler(live.ferretPid).start();
  const seeder = await Seeder.connect(live.mongoUri, passwordHash);

  const users: SeededUsers = { ids: [], usernames: [] };
  log(`seeding ${config.users} users`);
  await seeder.addUsers(0, config.users, users);
  const bearer = {
    authorization: `Bearer ${await signIn(live.baseUrl, ADMIN.username, ADMIN.password)}`,
  };

  const rows = new Map<string, Row>();
  const loadOptions = {
    baseUrl: live.baseUrl,
    connections: config.connections,
    durationS: config.durationS,
    warmupS: config.warmupS,
    rss,
    pid: live.pid,
  };
  const rate = (name: string): number => rows.get(name)?.requestsPerSecond ?? NaN;
  const random = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

  const settle = async (): Promise<void> => {
    const twins = [limitedServer, twinServer].flatMap((twin) =>
      twin === undefined ? [] : [twin.pid],
    );
    const sink = mailSink === undefined ? [] : [mailSink.pid];
    const waited = await waitForIdle([live.pid, live.ferretPid, ...twins, ...sink]);
    if (waited > 2) log(`waited ${waited.toFixed(0)} s for the server and FerretDB to go idle`);
  };

  const http = async (
    name: string,
    detail: string,
    spec: LoadSpec,
    extra: Partial<Row> = {},
    target: Pick<typeof loadOptions, 'baseUrl' | 'rss' | 'pid'> = loadOptions,
  ): Promise<void> => {
    if (!wanted(name)) return;
    await settle();
    log(`${name}: ${config.durationS} s at ${config.connections} connections`);
    const result = await runLoad(spec, { ...loadOptions, ...target });
    const codes = statusesOf(result);
    rows.set(name, {
      name,
      kind: 'scenario',
      requestsPerSecond: result.requestsPerSecond,
      p50: result.p50,
      p99: result.p99,
      errors: result.errors,
      detail: `${detail}; statuses ${codes}`,
      peakRssMb: result.peakRssMb,
      cpuUsPerRequest: result.cpuUsPerRequest,
      ...extra,
    });
  };

  const limit = async (name: string, kind: BoundKind): Promise<void> => {
    if (!wanted(name)) return;
    await settle();
    log(`${name}: ${config.durationS} s at ${config.connections} in flight, separate process`);
    const result = await measureBound({
      kind,
      concurrency: config.connections,
      durationS: config.durationS,
      warmupS: config.warmupS,
      mongoUri: live.mongoUri,
      password: BENCH_PASSWORD,
      passwordHash,
    });
    rows.set(name, {
      name,
      kind: 'limit',
      requestsPerSecond: result.opsPerSecond,
      p50: result.p50,
      p99: result.p99,
      errors: result.errors,
      detail: `${result.detail} (raw, separate process)`,
    });
  };

  // the limits, each measured alone
  const live200 = { method: 'GET', next: () => ({ path: '/health/live' }) } as const;
  if (wanted('bare-nest')) {
    bareNest = await BareNestServer.start(config.projectRoot, config.serverNodeOptions);
    const bareRss = new RssSampler(bareNest.pid).start();
    await http(
      'bare-nest',
      'GET /health/live on a bare NestJS + Express app from the same node_modules (bench/bare-nest.ts)',
      live200,
      { kind: 'limit' },
      { baseUrl: bareNest.baseUrl, rss: bareRss, pid: bareNest.pid },
    );
    bareRss.stop();
    await bareNest.stop();
    bareNest = undefined;
  }
  await http(
    'baseline',
    'GET /health/live: no database, the ceiling of the whole HTTP stack',
    live200,
    {
      kind: 'limit',
      ...(wanted('bare-nest') && {
        bound: { value: rate('bare-nest'), label: 'bare-nest' },
        target: 0.8,
      }),
    },
  );
  await limit('db-read-bound', 'db-read');
  await limit('db-write-bound', 'db-write');
  await limit('db-list-bound', 'db-list');
  await limit('bcrypt-bound', 'bcrypt');

  const withDb = (bound: string): Row['bound'] => ({
    value: serialBound(rate('baseline'), rate(bound)),
    label: `1/(1/baseline + 1/${bound})`,
  });

  await http(
    'user-by-id',
    `GET /users/{id} with a bearer token, random id of ${config.users}`,
    { method: 'GET', next: () => ({ path: `/users/${random(users.ids)}`, headers: bearer }) },
    { bound: withDb('db-read-bound'), target: 0.75 },
  );
  /** `user-by-id` on a twin of the server on the same FerretDB, with `env` over its own. */
  const userByIdOnTwin = async (
    name: string,
    detail: string,
    env: Record<string, string>,
    extra: Partial<Row> = {},
  ): Promise<void> => {
    if (!wanted(name)) return;
    log(`starting the twin of the server for ${name} on the same FerretDB`);
    const dataDir = join(config.workDir, `data-${name}`);
    mkdirSync(dataDir, { recursive: true });
    twinServer = await BenchServer.start({
      projectRoot: config.projectRoot,
      dataDir,
      logFile: join(config.workDir, `server-${name}.log`),
      sharedDatabaseOf: live,
      env: { ...serverEnv, ...env },
    });
    const twin = twinServer;
    const twinRss = new RssSampler(twin.pid).start();
    try {
      const twinBearer = {
        authorization: `Bearer ${await signIn(twin.baseUrl, ADMIN.username, ADMIN.password)}`,
      };
      await http(
        name,
        detail,
        {
          method: 'GET',
          next: () => ({ path: `/users/${random(users.ids)}`, headers: twinBearer }),
        },
        extra,
        { baseUrl: twin.baseUrl, rss: twinRss, pid: twin.pid },
      );
    } finally {
      twinRss.stop();
      await twin.stop();
      twinServer = undefined;
    }
  };
  await userByIdOnTwin(
    'user-by-id-hs256',
    'GET /users/{id} as user-by-id, on a twin server with JWT_ALGORITHM=HS256',
    { JWT_ALGORITHM: 'HS256', JWT_ACCESS_SECRET: HS256_SECRET },
  );
  // right after its HS256 twin, so both see the same machine
  await http(
    'user-by-id-es256',
    `GET /users/{id} with an ES256 bearer token (the default), right after user-by-id-hs256`,
    { method: 'GET', next: () => ({ path: `/users/${random(users.ids)}`, headers: bearer }) },
    { bound: { value: rate('user-by-id-hs256'), label: 'user-by-id-hs256' }, target: 0.9 },
  );
  if (config.metrics && wanted('user-by-id-metrics-on')) {
    log('user-by-id-metrics-off/-on: skipped, BENCH_METRICS=1 runs every row with metrics on');
  } else if (!config.metrics) {
    await http(
      'user-by-id-metrics-off',
      'GET /users/{id} as user-by-id (metrics off, the default), right before user-by-id-metrics-on',
      { method: 'GET', next: () => ({ path: `/users/${random(users.ids)}`, headers: bearer }) },
    );
  }
  if (!config.metrics) {
    await userByIdOnTwin(
      'user-by-id-metrics-on',
      'GET /users/{id} as user-by-id, on a twin server with METRICS_ENABLED=true',
      { METRICS_ENABLED: 'true' },
      {
        bound: { value: rate('user-by-id-metrics-off'), label: 'user-by-id-metrics-off' },
        target: 0.95,
      },
    );
  }
  if (wanted('token-cost')) {
    const seconds = Math.max(1, Math.min(3, config.durationS));
    for (const algorithm of ['ES256', 'HS256'] as const) {
      log(`token-cost: ${algorithm} sign and verify, ${seconds} s each, in this process`);
      const cost = measureTokenCost(algorithm, seconds);
      for (const [op, result] of Object.entries(cost)) {
        rows.set(`${algorithm.toLowerCase()}-${op}`, {
          name: `${algorithm.toLowerCase()}-${op}`,
          kind: 'limit',
          requestsPerSecond: result.opsPerSecond,
          p50: result.p50,
          p99: result.p99,
          errors: 0,
          detail:
            `${op === 'sign' ? 'TokenService.signAccessToken' : 'the strategy’s check: key by kid, then jsonwebtoken.verify'} ` +
            `with ${algorithm}, one thread, ${(1000 / result.opsPerSecond).toFixed(3)} ms per token (ops/s in the req/s column)`,
        });
      }
    }
  }

  await http(
    'users-list',
    `GET /users?limit=100 on ${config.users} users`,
    { method: 'GET', next: () => ({ path: '/users?limit=100', headers: bearer }) },
    { bound: withDb('db-list-bound') },
  );
  const byId = (suffix = ''): Row['bound'] => ({
    value: rate(`user-by-id${suffix}`),
    label: `user-by-id${suffix}`,
  });
  const usersPage = (suffix = '') =>
    http(
      `users-page${suffix}`,
      `GET /users?limit=100&after={random id} on ${users.ids.length} users`,
      {
        method: 'GET',
        next: () => ({ path: `/users?limit=100&after=${random(users.ids)}`, headers: bearer }),
      },
      { bound: byId(suffix), target: 0.5 },
    );
  await usersPage();

  if (wanted('events-of-user')) {
    log(`events-of-user: inserting ${EVENTS_PER_USER} security events per user`);
    const events = await seeder.addSecurityEvents(users.ids, EVENTS_PER_USER);
    await http(
      'events-of-user',
      `GET /users/{id}/security-events?limit=100 as admin, random user of ${config.users}, ${events} events in the collection`,
      {
        method: 'GET',
        next: () => ({
          path: `/users/${random(users.ids)}/security-events?limit=100`,
          headers: bearer,
        }),
      },
      { bound: { value: rate('user-by-id'), label: 'user-by-id' }, target: 0.5 },
    );
  }

  if (wanted('refresh')) {
    // every request presents a token never used before, so each one rotates
    const bound = withDb('db-write-bound')!;
    const poolSize = Math.min(
      200_000,
      Math.max(2_000, Math.ceil(bound.value * (config.durationS + config.warmupS) * 1.5)),
    );
    log(`refresh: inserting ${poolSize} fresh refresh tokens`);
    const tokens = await seeder.addRefreshTokens(
      Array.from({ length: poolSize }, () => random(users.ids)),
    );
    let used = 0;
    await http(
      'refresh',
      `POST /auth/refresh-token, a fresh token per request (${poolSize} pre-inserted, ${await seeder.countRefreshTokens()} in the collection)`,
      {
        method: 'POST',
        next: () => ({
          path: '/auth/refresh-token',
          headers: { cookie: `refreshToken=${tokens[Math.min(used++, tokens.length - 1)]}` },
        }),
        exhausted: () => used >= tokens.length,
      },
      { bound, target: 0.6 },
    );
  }

  const signInSpec: LoadSpec = {
    method: 'POST',
    next: () => ({
      path: '/auth/sign-in',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: random(users.usernames), password: BENCH_PASSWORD }),
    }),
  };
  if (wanted('sessions-of-user') || wanted('revoke-session')) {
    // BENCH_SESSIONS open sessions spread over the seeded users (100,000 over 10,000 by default)
    log(`seeding ${config.sessions} sessions over ${users.ids.length} users`);
    const sessions = await seeder.addSessions(
      Array.from({ length: config.sessions }, (_, index) => users.ids[index % users.ids.length]),
    );
    await http(
      'sessions-of-user',
      `GET /users/{id}/sessions as admin, random user of ${config.users} (${config.sessions} sessions)`,
      {
        method: 'GET',
        next: () => ({ path: `/users/${random(users.ids)}/sessions`, headers: bearer }),
      },
      { bound: { value: rate('user-by-id'), label: 'user-by-id' }, target: 0.5 },
    );
    // every request ends a session never ended before
    let revoked = 0;
    await http(
      'revoke-session',
      `DELETE /users/{id}/sessions/{sessionId} as admin, a different open session per request (of ${sessions.length})`,
      {
        method: 'DELETE',
        next: () => {
          const { userId, sessionId } = sessions[Math.min(revoked++, sessions.length - 1)];
          return { path: `/users/${userId}/sessions/${sessionId}`, headers: bearer };
        },
        exhausted: () => revoked >= sessions.length,
      },
      { bound: withDb('db-write-bound') },
    );
  }

  await http(
    'sign-in',
    `POST /auth/sign-in at BCRYPT_COST=${config.bcryptCost}, random user of ${config.users}, brute-force layers off`,
    signInSpec,
    { bound: { value: rate('bcrypt-bound'), label: 'bcrypt-bound' }, target: 0.85 },
  );

  if (wanted('sign-in-limited')) {
    // the same sign-ins on a second server with every layer on, sharing the first one's database
    log('starting a second server with the brute-force layers on, on the same FerretDB');
    const limitedDataDir = join(config.workDir, 'data-limited');
    mkdirSync(limitedDataDir, { recursive: true });
    limitedServer = await BenchServer.start({
      projectRoot: config.projectRoot,
      dataDir: limitedDataDir,
      logFile: join(config.workDir, 'server-limited.log'),
      sharedDatabaseOf: live,
      env: { ...serverEnv, ...BRUTE_FORCE_LAYERS_ON },
    });
    const limitedRss = new RssSampler(limitedServer.pid).start();
    try {
      await http(
        'sign-in-limited',
        `as sign-in, with the brute-force layers on (${Object.entries(BRUTE_FORCE_LAYERS_ON)
          .map(([name, value]) => `${name}=${value}`)
          .join(', ')})`,
        signInSpec,
        { bound: { value: rate('sign-in'), label: 'sign-in' } },
        { baseUrl: limitedServer.baseUrl, rss: limitedRss, pid: limitedServer.pid },
      );
    } finally {
      limitedRss.stop();
      await limitedServer.stop();
      limitedServer = undefined;
    }
  }

  // Forgot-password must not tell a known account from an unknown one, by its time either: the
  // same requests for seeded users (each with a verified address: a reset mail is sent) and for
  // as many names nobody has. What an attacker compares is the time of each request, in whatever
  // the server is doing meanwhile: so one run sends both kinds interleaved at random, and each
  // kind's p50 and p99 must stay within 10 % of the other's. The two rows measured apart after it
  // give each kind's throughput on its own (the known one also pays for its mails' SMTP
  // exchanges and the sink, on the same cores).
  const forgotRequest = (username: string, kind?: string) => ({
    path: '/auth/password/forgot',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
    kind,
  });
  const forgot = (usernames: readonly string[]): LoadSpec => ({
    method: 'POST',
    next: () => forgotRequest(random(usernames)),
  });
  const nobody = users.usernames.map((username) => `Nobody${username.slice('Bench'.length)}`);
  if (FORGOT_ROWS.some(wanted)) {
    // The rows are compared with each other, so none may pay for warming the route up (compiling
    // it, sizing the server's heap), least of all one kind more than the other: both kinds, mixed,
    // for as long as a row, unmeasured, before any. The interleaved run then measures three times
    // as long as a row: each kind gets half its answers, and a p99 rests on the slowest 1 % (at
    // twice as long, one run in six came out at the 10 % edge).
    await settle();
    log(`forgot-password warm-up: ${config.durationS} s of both kinds, not measured`);
    await runLoad(forgot([...nobody, ...users.usernames]), { ...loadOptions, warmupS: 0 });
    log(
      `forgot-mixed: ${MIXED_ROUNDS * config.durationS} s at ${config.connections} connections, both kinds at random`,
    );
    const mailsBefore = await mailSink.received();
    const mixed = await runLoad(
      {
        method: 'POST',
        next: () =>
          Math.random() < 0.5
            ? forgotRequest(random(users.usernames), 'known')
            : forgotRequest(random(nobody), 'unknown'),
      },
      { ...loadOptions, durationS: MIXED_ROUNDS * config.durationS },
    );
    const mails = (await mailSink.received()) - mailsBefore;
    const unknown = mixed.byKind.unknown ?? { answers: 0, p50: NaN, p99: NaN };
    const known = mixed.byKind.known ?? { answers: 0, p50: NaN, p99: NaN };
    const codes = statusesOf(mixed);
    const ofMixedRun = {
      kind: 'scenario' as const,
      errors: mixed.errors,
      peakRssMb: mixed.peakRssMb,
      cpuUsPerRequest: mixed.cpuUsPerRequest,
    };
    rows.set('forgot-mixed-unknown', {
      name: 'forgot-mixed-unknown',
      ...ofMixedRun,
      requestsPerSecond: unknown.answers / mixed.seconds,
      p50: unknown.p50,
      p99: unknown.p99,
      detail: `POST /auth/password/forgot for names nobody has, ${unknown.answers} answers interleaved at random with as many for known users in one run (statuses of the run ${codes}; server CPU per request is the run's)`,
    });
    rows.set('forgot-mixed-known', {
      name: 'forgot-mixed-known',
      ...ofMixedRun,
      requestsPerSecond: known.answers / mixed.seconds,
      p50: known.p50,
      p99: known.p99,
      latencyOf: {
        label: 'forgot-mixed-unknown',
        p50: unknown.p50,
        p99: unknown.p99,
        tolerance: 0.1,
      },
      detail: `the same run's ${known.answers} answers for users with a verified address; ${mails} reset mails received by the sink during the run`,
    });
  }
  await http(
    'forgot-unknown',
    `POST /auth/password/forgot, random of ${nobody.length} names nobody has`,
    forgot(nobody),
  );
  if (wanted('forgot-known')) {
    const mailsBefore = await mailSink.received();
    const sinkCpuBefore = cpuSeconds(mailSink.pid);
    await http(
      'forgot-known',
      `POST /auth/password/forgot, random of ${users.usernames.length} users with a verified address (reset mails to an SMTP sink)`,
      forgot(users.usernames),
      { bound: { value: rate('forgot-unknown'), label: 'forgot-unknown' }, target: 0.9 },
    );
    const known = rows.get('forgot-known')!;
    const unknown = rows.get('forgot-unknown');
    const mails = (await mailSink.received()) - mailsBefore;
    const sinkCpuUsPerMail =
      ((cpuSeconds(mailSink.pid) - sinkCpuBefore) * 1e6) / Math.max(1, mails);
    if (unknown !== undefined)
      known.detail += `; measured apart: p50 ${(known.p50 / unknown.p50).toFixed(2)}×, p99 ${(known.p99 / unknown.p99).toFixed(2)}× forgot-unknown's`;
    known.detail += `; ${mails} mails received by the sink (its own process, ${sinkCpuUsPerMail.toFixed(0)} µs of CPU per mail)`;
  }
  if (wanted('mfa-verify')) {
    // after the sign-in scenarios: the users it turns the second factor on for answer
    // MFA_REQUIRED from now on. Every request completes a sign-in never completed before, with a
    // recovery code never used (10 per user).
    const bound = withDb('db-write-bound')!;
    const poolSize = Math.min(
      users.ids.length * RECOVERY_CODE_COUNT,
      Math.max(2_000, Math.ceil(bound.value * (config.durationS + config.warmupS) * 1.5)),
    );
    const mfaUsers = users.ids.slice(0, Math.ceil(poolSize / RECOVERY_CODE_COUNT));
    log(`mfa-verify: second factor on for ${mfaUsers.length} users, ${poolSize} pending sign-ins`);
    const pending = await seeder.addMfaSignIns(mfaUsers, mfaEncryptionKey);
    let used = 0;
    await http(
      'mfa-verify',
      `POST /auth/mfa/verify, a pending sign-in and an unused recovery code per request (${pending.length} seeded over ${mfaUsers.length} users)`,
      {
        method: 'POST',
        next: () => ({
          path: '/auth/mfa/verify',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pending[Math.min(used++, pending.length - 1)]),
        }),
        exhausted: () => used >= pending.length,
      },
      { bound, target: 0.5 },
    );
  }

  const graphql = (query: string, variables?: () => Record<string, unknown>): LoadSpec => ({
    method: 'POST',
    next: () => ({
      path: '/graphql',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ query, ...(variables !== undefined && { variables: variables() }) }),
    }),
    verifyBody: (body) => !GRAPHQL_ERRORS.test(body),
  });
  const userQuery = graphql(
    'query User($id: ID!) { user(id: $id) { id username role createdAt updatedAt } }',
    () => ({ id: random(users.ids) }),
  );
  const tokensQuery = graphql('{ users(limit: 100) { id refreshTokens(limit: 10) { id } } }');
  const graphqlMissing = await probeGraphql(live.baseUrl, userQuery);
  // the database's own time for what gql-users-tokens reads, on the same data, just before it
  if (wanted('gql-users-tokens')) await limit('db-users-tokens-bound', 'db-users-tokens');
  for (const [name, spec, detail, bound, target] of [
    [
      'gql-user',
      userQuery,
      'GraphQL user(id)',
      { value: rate('user-by-id'), label: 'user-by-id' },
      0.6,
    ],
    [
      'gql-users-tokens',
      tokensQuery,
      'GraphQL users(limit: 100) { id refreshTokens(limit: 10) { id } }',
      byId(),
      0.3,
    ],
  ] as const) {
    if (!wanted(name)) continue;
    if (graphqlMissing) {
      rows.set(name, {
        name,
        kind: 'scenario',
        requestsPerSecond: 0,
        p50: 0,
        p99: 0,
        errors: 0,
        detail,
        skipped: 'skipped: /graphql not available',
        target,
      });
    } else {
      await http(name, detail, spec, { bound, ...(target !== undefined && { target }) });
    }
  }

  const tokensOfUser = async (suffix = ''): Promise<void> => {
    const missing = config.tokens - (await seeder.countRefreshTokens());
    if (missing > 0) {
      log(`tokens-of-user: inserting ${missing} refresh tokens of random users`);
      await seeder.addRefreshTokens(Array.from({ length: missing }, () => random(users.ids)));
    }
    await http(
      `tokens-of-user${suffix}`,
      `GET /users/{random id}/refresh-tokens as admin, ${await seeder.countRefreshTokens()} tokens of ${users.ids.length} users`,
      {
        method: 'GET',
        next: () => ({ path: `/users/${random(users.ids)}/refresh-tokens`, headers: bearer }),
      },
      { bound: byId(suffix), target: 0.5 },
    );
  };
  if (wanted('tokens-of-user')) await tokensOfUser();

  // the server's own rows (bare-nest is another process)
  const peakUnderLoadMb = Math.max(
    0,
    ...[...rows.values()].map((row) => (row.name === 'bare-nest' ? 0 : (row.peakRssMb ?? 0))),
  );

  const scale: ScaleRow[] = [];
  if (wanted('scale')) {
    const measureUnpaged = async (): Promise<void> => {
      const count = await seeder.countUsers();
      scale.push(
        await unpagedList(live.baseUrl, bearer, count, config.scaleRepeat, rss, ferretRss, settle),
      );
    };
    await measureUnpaged();
    log(`seeding up to ${config.scaleUsers} users`);
    await seeder.addUsers(config.users, config.scaleUsers, users);
    await measureUnpaged();

    // the listings again at the larger size: their ratios should stay near flat
    const suffix = ` @${config.scaleUsers}`;
    if (RESCALED.some((name) => wanted(name))) {
      await http(
        `user-by-id${suffix}`,
        `GET /users/{id}, random id of ${users.ids.length}`,
        { method: 'GET', next: () => ({ path: `/users/${random(users.ids)}`, headers: bearer }) },
        { bound: withDb('db-read-bound'), target: 0.75 },
      );
    }
    if (wanted('users-page')) await usersPage(suffix);
    if (wanted('tokens-of-user')) await tokensOfUser(suffix);
    if (wanted('gql-users-tokens') && !graphqlMissing) {
      await limit(`db-users-tokens-bound${suffix}`, 'db-users-tokens');
      await http(
        `gql-users-tokens${suffix}`,
        `GraphQL users(limit: 100) { id refreshTokens(limit: 10) { id } } on ${users.ids.length} users`,
        tokensQuery,
        { bound: byId(suffix), target: 0.3 },
      );
    }
  }

  const storage = wanted('storage')
    ? {
        withCleanup: await measureStorage(live.mongoUri, true),
        withoutCleanup: await measureStorage(live.mongoUri, false),
      }
    : undefined;

  const report: Report = {
    startedAt,
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg() },
    settings: {
      durationS: config.durationS,
      warmupS: config.warmupS,
      connections: config.connections,
      users: config.users,
      scaleUsers: config.scaleUsers,
      scaleRepeat: config.scaleRepeat,
      tokens: config.tokens,
      bcryptCost: config.bcryptCost,
      only: config.only,
      serverNodeOptions: config.serverNodeOptions,
    },
    rows: [...rows.values()],
    memory: {
      peakUnderLoadMb,
      limitMb: RSS_LIMIT_MB,
      vmHwmMb: readMemoryMb(live.pid)?.hwm ?? 0,
      ferretPeakMb: ferretRss.overall(),
    },
    scale,
    scaleGrowthAllowanceMb: SCALE_GROWTH_ALLOWANCE_MB,
    ...(storage !== undefined && { storage }),
  };
  await seeder.close();
  rss.stop();
  ferretRss.stop();
  log('stopping the server');
  await live.stop();
  server = undefined;
  await mailSink.stop();
  mailSink = undefined;
  if (!config.keepData) rmSync(dataDir, { recursive: true, force: true });

  // formatted like the rest of the repository, so the file can be committed as a record
  const prettierOptions = (await resolveConfig(config.resultsFile)) ?? {};
  writeFileSync(
    config.resultsFile,
    await format(JSON.stringify(report), { ...prettierOptions, parser: 'json' }),
  );
  process.stdout.write(`${markdown(report, previous)}\n\nWritten to ${config.resultsFile}\n`);
  if (config.cpuProfile) process.stdout.write(`CPU profile(s) in ${profileDir}\n`);
}

async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`sign-in as ${username} answered ${response.status}`);
  return ((await response.json()) as { data: { accessToken: string } }).data.accessToken;
}

/** True when /graphql answers 404 (the GraphQL face is not there yet). */
async function probeGraphql(baseUrl: string, spec: LoadSpec): Promise<boolean> {
  const { path, headers, body } = spec.next();
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status === 404) return true;
  if (!response.ok || GRAPHQL_ERRORS.test(text))
    log(`warning: GraphQL probe answered ${response.status}: ${text.slice(0, 300)}`);
  return false;
}

async function unpagedList(
  baseUrl: string,
  headers: Record<string, string>,
  userCount: number,
  repeat: number,
  rss: RssSampler,
  ferretRss: RssSampler,
  settle: () => Promise<void>,
): Promise<ScaleRow> {
  log(`unpaged GET /users on ${userCount} users, ${repeat}×`);
  const times: number[] = [];
  let growth = 0;
  let before = 0;
  let peak = 0;
  let ferretPeak = 0;
  let returned = 0;
  let bytes = 0;
  for (let run = 0; run < repeat; run += 1) {
    await settle();
    const rssBefore = rss.reset();
    ferretRss.reset();
    const began = performance.now();
    const response = await fetch(`${baseUrl}/users`, {
      headers,
      signal: AbortSignal.timeout(300_000),
    });
    const body = await response.text();
    times.push(performance.now() - began);
    const runPeak = rss.windowPeak();
    if (!response.ok) throw new Error(`unpaged GET /users answered ${response.status}`);
    returned = (JSON.parse(body) as { data: unknown[] }).data.length;
    bytes = Buffer.byteLength(body);
    if (run === 0) before = rssBefore;
    growth = Math.max(growth, runPeak - rssBefore);
    peak = Math.max(peak, runPeak);
    ferretPeak = Math.max(ferretPeak, ferretRss.windowPeak());
  }
  const ms = median(times);
  return {
    users: userCount,
    returned,
    bytes,
    ms,
    msPer10kUsers: (ms / userCount) * 10_000,
    rssBeforeMb: before,
    rssPeakMb: peak,
    rssGrowthMb: growth,
    ferretPeakMb: ferretPeak,
  };
}

/** A year of one user's refreshes in a worker process (bench/storage-worker.ts), on the bench's FerretDB. */
function measureStorage(mongoUri: string, cleanup: boolean): Promise<StorageFigure> {
  log(
    `storage: a simulated year of refreshes every 15 minutes, clean-up ${cleanup ? 'on' : 'off'}`,
  );
  const task: StorageTask = {
    mongoUri,
    database: `bench_storage_${cleanup ? 'on' : 'off'}`,
    cleanup,
    days: 365,
  };
  const worker = spawnSync(
    process.execPath,
    ['-r', './scripts/register-ts-nest.js', 'bench/storage-worker.ts', JSON.stringify(task)],
    { cwd: join(__dirname, '..'), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (worker.status !== 0) throw new Error(`storage worker failed: ${worker.stderr}`);
  return Promise.resolve(JSON.parse(worker.stdout.trim().split('\n').pop()!) as StorageFigure);
}

/** Everything the bench started besides the server under test, which may be stopped gently. */
function killHelpers(): void {
  killBoundWorkers();
  mailSink?.killNow();
  limitedServer?.killNow();
  bareNest?.killNow();
  twinServer?.killNow();
}

function cleanUp(): void {
  killHelpers();
  server?.killNow();
}

let interrupted = false;
process.once('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping the server and FerretDB`);
    killHelpers();
    void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  if (interrupted) return; // the signal handler is stopping everything
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  killHelpers();
  await server?.stop().catch(() => server?.killNow());
  process.exit(1);
});
