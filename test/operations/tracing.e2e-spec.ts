import { LIMITS_OFF } from '../support/test-app';
import { mkdtempSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import { PASSWORD, refreshCookieFrom, uniqueUsername } from '../support/auth-helpers';
import { buildServer, freePort, ServerProcess, spawnServer } from '../support/server-process';
import { testDatabaseUri } from '../support/test-app';

/** A span as OTLP/HTTP JSON carries it, with its attributes flattened. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpExport {
  resourceSpans: {
    scopeSpans: {
      spans: (Omit<ReceivedSpan, 'attributes'> & { attributes?: OtlpAttribute[] })[];
    }[];
  }[];
}

/** An in-process OTLP/HTTP receiver (JSON encoding): keeps every export request as sent. */
class OtlpReceiver {
  readonly bodies: string[] = [];
  private readonly server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') this.bodies.push(body);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  spans(): ReceivedSpan[] {
    return this.bodies.flatMap((body) =>
      (JSON.parse(body) as OtlpExport).resourceSpans.flatMap((resource) =>
        resource.scopeSpans.flatMap((scope) =>
          scope.spans.map((span) => ({
            ...span,
            attributes: Object.fromEntries(
              (span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]),
            ),
          })),
        ),
      ),
    );
  }
}

/** Polls until `found` returns something: spans leave in batches, some time after their request. */
async function eventually<T>(what: string, found: () => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = found();
    if (result !== undefined) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never received ${what}`);
}

/** The spans of `trace` below `root` (its children, theirs, and so on). */
function descendants(spans: ReceivedSpan[], root: ReceivedSpan): ReceivedSpan[] {
  const below = new Set([root.spanId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of spans)
      if (
        span.parentSpanId !== undefined &&
        below.has(span.parentSpanId) &&
        !below.has(span.spanId)
      ) {
        below.add(span.spanId);
        grew = true;
      }
  }
  return spans.filter((span) => span.spanId !== root.spanId && below.has(span.spanId));
}

const isDatabaseSpan = (span: ReceivedSpan) =>
  span.attributes['db.system'] === 'mongodb' || span.attributes['db.system.name'] === 'mongodb';

/** The OpenTelemetry SDK modules a server process has loaded, asked by signal (loaded-modules-reporter). */
async function loadedTelemetryModules(server: ServerProcess): Promise<string[]> {
  const marker = '[loaded-modules] ';
  const before = server.output().length;
  server.child.kill('SIGUSR2');
  const lineOf = (output: string): string | undefined => {
    const start = output.indexOf(marker, before);
    const end = output.indexOf('\n', start);
    return start === -1 || end === -1 ? undefined : output.slice(start + marker.length, end);
  };
  await server.waitFor('the loaded modules', (output) => lineOf(output) !== undefined);
  const loaded = JSON.parse(lineOf(server.output())!) as string[];
  // prom-client loads the OpenTelemetry API, a no-op facade that records nothing without the SDK
  return loaded.filter((path) => !path.includes(`${sep}@opentelemetry${sep}api${sep}`));
}

const baseEnv = () => ({
  MONGODB_URI: testDatabaseUri(),
  DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-e2e-traced-')),
  NODE_ENV: 'test',
  LOG_FORMAT: 'json',
  BCRYPT_COST: '4',
  ...LIMITS_OFF,
});

/** Every server process a test started, stopped however the test ended. */
const started: ServerProcess[] = [];
/** The image's commands: `npm run build`, then `node dist/main`. */
let main: string | undefined;
beforeAll(() => {
  main = buildServer();
});
afterAll(() => {
  for (const server of started) server.child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const server = spawnServer(
    { ...baseEnv(), ...env, PORT: String(port) },
    ['./test/support/loaded-modules-reporter.js'],
    main,
  );
  started.push(server);
  await server.waitFor('start-up', (text) => text.includes('Listening on'));
  return { server, url: `http://127.0.0.1:${port}` };
}

describe('OpenTelemetry traces', () => {
  it('loads nothing of OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is unset', async () => {
    const { server, url } = await start({});
    await request(url).get('/health').expect(200);
    expect(await loadedTelemetryModules(server)).toEqual([]);
  });

  it('refuses to start on an OTLP protocol it does not know, in one line', async () => {
    const port = await freePort();
    const server = spawnServer(
      {
        ...baseEnv(),
        PORT: String(port),
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon',
      },
      [],
      main,
    );
    started.push(server);
    await server.closed;
    expect(server.child.exitCode).toBe(1);
    expect(server.output()).toBe(
      'Cannot start: OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf, http/json or grpc, got "carrier-pigeon"\n',
    );
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
    const receiver = new OtlpReceiver();
    let server: ServerProcess;
    let url: string;
    let databaseUri: string;

    beforeAll(async () => {
      databaseUri = testDatabaseUri();
      ({ server, url } = await start({
        MONGODB_URI: databaseUri,
        OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_SERVICE_NAME: 'auth-under-test',
      }));
    });
    afterAll(() => receiver.stop());

    it('exports a sign-in and a GraphQL query with their database commands, and no secret anywhere', async () => {
      expect((await loadedTelemetryModules(server)).length).toBeGreaterThan(0);

      const username = uniqueUsername('traced');
      const password = `${PASSWORD} traced`;
      await request(url).post('/auth/sign-up').send({ username, password }).expect(201);
      const signedIn = await request(url)
        .post('/auth/sign-in')
        .send({ username, password })
        .expect(200);
      const accessToken = signedIn.body.data.accessToken as string;
      const cookie = refreshCookieFrom(signedIn)!;
      const refreshed = await request(url)
        .post('/auth/refresh-token')
        .set('Cookie', cookie)
        .expect(200);
      const me = await request(url)
        .post('/graphql')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ query: 'query Me { me { id username } }' })
        .expect(200);
      expect(me.body.data.me.username).toBe(username);
      // a password written into the document itself, not passed as a variable
      const inline = await request(url)
        .post('/graphql')
        .send({
          query: `mutation { signIn(input: { username: "${username}", password: "${password}" }) { accessToken } }`,
        })
        .expect(200);
      expect(inline.body.errors).toBeUndefined();
      // a token in a query string, as the mailed links carry one
      const queryToken = 'query-string-token-that-must-not-be-traced';
      await request(url).get(`/health?token=${queryToken}`).expect(200);

      const signInSpan = await eventually('the sign-in request', () =>
        receiver
          .spans()
          .find(
            (span) =>
              span.attributes['http.route'] === '/auth/sign-in' &&
              span.attributes['http.request.method'] === 'POST' &&
              span.parentSpanId === undefined,
          ),
      );
      const signInDatabase = await eventually('the database commands of the sign-in', () => {
        const below = descendants(receiver.spans(), signInSpan).filter(isDatabaseSpan);
        return below.length > 0 ? below : undefined;
      });
      expect(signInDatabase[0].attributes['db.query.text'] ?? '').not.toContain(username);

      const graphqlSpan = await eventually('the GraphQL query', () =>
        receiver.spans().find((span) => span.attributes['graphql.operation.name'] === 'Me'),
      );
      const httpRoot = receiver
        .spans()
        .find((span) => span.traceId === graphqlSpan.traceId && span.parentSpanId === undefined)!;
      expect(httpRoot.attributes['url.path']).toBe('/graphql');
      await eventually('the database commands of the GraphQL query', () =>
        descendants(receiver.spans(), httpRoot).some(isDatabaseSpan) ? true : undefined,
      );
      await eventually('the request with a query string', () =>
        receiver.spans().find((span) => span.attributes['url.query'] !== undefined),
      );

      const client = await MongoClient.connect(databaseUri);
      const user = await client
        .db()
        .collection<{ passwordHash: string }>('users')
        .findOne({ username });
      await client.close();
      const secrets = {
        password,
        passwordHash: user!.passwordHash,
        accessToken,
        refreshToken: cookie.slice(cookie.indexOf('=') + 1),
        rotatedRefreshToken: refreshCookieFrom(refreshed)!.split('=')[1],
        queryToken,
        bearer: 'Bearer ',
      };
      const exported = receiver.bodies.join('\n');
      for (const [name, secret] of Object.entries(secrets))
        expect({ name, found: exported.includes(secret) }).toEqual({ name, found: false });
      // no header is captured at all (headersToSpanAttributes is unset)
      for (const span of receiver.spans())
        for (const key of Object.keys(span.attributes))
          expect(key).not.toMatch(/^http\.(request|response)\.header\./);
    });
  });
});
