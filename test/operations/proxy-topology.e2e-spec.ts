import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../../src/app.factory';
import { EventBody, PASSWORD, refreshCookieFrom, uniqueUsername } from '../support/auth-helpers';
import { freePort } from '../support/server-process';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';

/**
 * The deployment recipe on loopback: real nginx, with the very config compose uses, in front of
 * two instances on one database. Addresses stand in for networks: the instances listen on the
 * internal address only (HOST), nginx listens on the public one, and each client connects from
 * an address of its own, as distinct machines would.
 */
const INTERNAL = '127.0.0.1';
const PUBLIC = '127.0.0.2';
const NGINX = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';
const TEMPLATE = join(__dirname, '..', '..', 'deploy', 'nginx', 'auth-service.conf.template');

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: { data?: unknown; error?: { code: string } } & Record<string, unknown>;
  text: string;
}

interface Call {
  /** The client's own address. */
  from: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP request to `host:port` from the client address `from`. */
function send(host: string, port: number, path: string, call: Call): Promise<Answer> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host,
        port,
        path,
        method: call.method ?? (payload === undefined ? 'GET' : 'POST'),
        localAddress: call.from,
        agent: false,
        headers: {
          ...(payload !== undefined && { 'Content-Type': 'application/json' }),
          ...call.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: Answer['body'] = {};
          try {
            body = JSON.parse(text) as Answer['body'];
          } catch {
            // not JSON (nginx's own pages, the metrics text)
          }
          resolve({
            status: res.statusCode!,
            headers: res.headers as Record<string, string>,
            body,
            text,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Whether a TCP connection to `host:port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The shared config rendered as nginx's image renders its templates: `${NAME}` from a table. */
function renderTemplate(values: Record<string, string>): string {
  return readFileSync(TEMPLATE, 'utf8').replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`the template needs ${name}`);
    return values[name];
  });
}

describe('behind a real nginx: two instances on one database (the deployment recipe)', () => {
  const instances: TestApp[] = [];
  const ports: number[] = [];
  /** Which instance answered each request, in order. */
  const served: number[] = [];
  let nginx: ChildProcess | undefined;
  let nginxExited: Promise<void> | undefined;
  let nginxPort: number;
  let workDir: string;

  beforeAll(async () => {
    const databaseUri = testDatabaseUri();
    // every instance signs with the one key, as a deployment gives them
    const signingKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    for (let index = 0; index < 2; index++) {
      const t = await createTestApp({
        MONGODB_URI: databaseUri,
        JWT_PRIVATE_KEY: signingKey,
        HOST: INTERNAL,
        PORT: '0',
        // one proxy in front: the app reads the last X-Forwarded-For entry, the one nginx wrote
        TRUST_PROXY: '1',
        AUTH_RATE_LIMIT: '2',
        METRICS_ENABLED: 'true',
        // each instance looks at the session every time; by default it may trust its last look
        // for up to 5 seconds, so a logout reaches the other instances within that
        SESSION_CHECK_CACHE_SECONDS: '0',
      });
      instances.push(t);
      await listen(t.app, t.config);
      ports.push((t.app.getHttpServer().address() as AddressInfo).port);
      t.app.getHttpServer().on('request', () => served.push(index));
    }

    workDir = mkdtempSync(join(tmpdir(), 'auth-nginx-'));
    // nginx's workers run as an unprivileged user when it is started as root
    chmodSync(workDir, 0o755);
    nginxPort = await freePort(PUBLIC);
    writeFileSync(
      join(workDir, 'auth-service.conf'),
      renderTemplate({
        NGINX_LISTEN: `${PUBLIC}:${nginxPort}`,
        AUTH_SERVICE_SERVERS: ports.map((port) => `server ${INTERNAL}:${port};`).join(' '),
      }),
    );
    writeFileSync(
      join(workDir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${workDir}/nginx.pid;`,
        `error_log ${workDir}/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
          (kind) => `  ${kind}_temp_path ${workDir}/${kind}_temp;`,
        ),
        `  include ${workDir}/auth-service.conf;`,
        '}',
        '',
      ].join('\n'),
    );
    const child = spawn(
      NGINX,
      ['-p', workDir, '-c', join(workDir, 'nginx.conf'), '-e', join(workDir, 'error.log')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    nginx = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    nginxExited = new Promise((resolve) => child.once('exit', () => resolve()));
    // bounded: nginx binds its port within moments, or has failed and exited
    for (let attempt = 0; attempt < 200 && child.exitCode === null; attempt++) {
      if (await accepts(PUBLIC, nginxPort)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`nginx did not start: ${stderr}${readErrorLog()}`);
  });

  function readErrorLog(): string {
    try {
      return readFileSync(join(workDir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  afterAll(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await nginxExited;
    }
    await Promise.all(instances.map((t) => t.close()));
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  const viaProxy = (path: string, call: Call) => send(PUBLIC, nginxPort, path, call);
  const direct = (instance: number, path: string, call: Call) =>
    send(INTERNAL, ports[instance], path, call);
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function signUpAndIn(from: string, headers: Record<string, string> = {}) {
    const username = uniqueUsername('proxied');
    const signedUp = await viaProxy('/auth/sign-up', {
      from,
      headers,
      body: { username, password: PASSWORD },
    });
    expect(signedUp.status).toBe(201);
    const signedIn = await viaProxy('/auth/sign-in', {
      from,
      headers,
      body: { username, password: PASSWORD },
    });
    expect(signedIn.status).toBe(200);
    const data = signedIn.body.data as { accessToken: string; user: { id: string } };
    return {
      userId: data.user.id,
      accessToken: data.accessToken,
      cookie: refreshCookieFrom(signedIn)!,
      servedBy: served[served.length - 1],
    };
  }

  it('spreads requests over both instances', async () => {
    const start = served.length;
    for (let i = 0; i < 6; i++)
      expect((await viaProxy('/health/live', { from: '127.0.0.10' })).status).toBe(200);
    const answeredBy = new Set(served.slice(start));
    expect(answeredBy).toEqual(new Set([0, 1]));
  });

  it('keeps a session across instances: sign-in on one, refresh on the other, logout ends it on both', async () => {
    const from = '127.0.0.11';
    const session = await signUpAndIn(from);
    let cookie = session.cookie;
    let accessToken = session.accessToken;
    // round robin sends the next request to the other instance; whichever answers, a refresh
    // must work, and one answered by the other instance is what this test is about
    let refreshedElsewhere = false;
    for (let attempt = 0; attempt < 4 && !refreshedElsewhere; attempt++) {
      const refreshed = await viaProxy('/auth/refresh-token', {
        from,
        method: 'POST',
        headers: { Cookie: cookie },
      });
      expect(refreshed.status).toBe(200);
      refreshedElsewhere = served[served.length - 1] !== session.servedBy;
      cookie = refreshCookieFrom(refreshed)!;
      accessToken = (refreshed.body.data as { accessToken: string }).accessToken;
    }
    expect(refreshedElsewhere).toBe(true);
    for (const instance of [0, 1])
      expect(
        (await direct(instance, '/auth/me', { from: INTERNAL, headers: bearer(accessToken) }))
          .status,
      ).toBe(200);

    const loggedOut = await viaProxy('/auth/logout', {
      from,
      method: 'POST',
      headers: { ...bearer(accessToken), Cookie: cookie },
    });
    expect(loggedOut.status).toBe(200);
    for (const instance of [0, 1]) {
      const me = await direct(instance, '/auth/me', {
        from: INTERNAL,
        headers: bearer(accessToken),
      });
      expect(me.status).toBe(401);
      const refresh = await direct(instance, '/auth/refresh-token', {
        from: INTERNAL,
        method: 'POST',
        headers: { Cookie: cookie },
      });
      expect(refresh.status).toBe(401);
    }
  });

  it('records the real client IP in security events and token listings, whatever X-Forwarded-For the client sends', async () => {
    const from = '127.0.0.12';
    const forged = { 'X-Forwarded-For': '203.0.113.9' };
    const session = await signUpAndIn(from, forged);

    const events = await viaProxy(`/users/${session.userId}/security-events`, {
      from,
      headers: { ...bearer(session.accessToken), ...forged },
    });
    expect(events.status).toBe(200);
    const signIn = (events.body.data as EventBody[]).find((event) => event.type === 'sign-in');
    expect(signIn?.ip).toBe(from);
    const tokens = await viaProxy(`/users/${session.userId}/refresh-tokens`, {
      from,
      headers: bearer(session.accessToken),
    });
    expect((tokens.body.data as { createdByIp: string }[])[0].createdByIp).toBe(from);
  });

  it('rate-limits the real client, across both instances, whatever X-Forwarded-For it sends', async () => {
    const username = uniqueUsername('guessed');
    const guess = (from: string, forgedIp: string) =>
      viaProxy('/auth/sign-in', {
        from,
        headers: { 'X-Forwarded-For': forgedIp },
        body: { username, password: 'wrong password' },
      });
    // AUTH_RATE_LIMIT=2 per client IP and username: a new forged address each time buys nothing
    const attacker = '127.0.0.13';
    const first = served.length;
    expect((await guess(attacker, '198.51.100.1')).status).toBe(401);
    expect((await guess(attacker, '198.51.100.2')).status).toBe(401);
    expect(new Set(served.slice(first))).toEqual(new Set([0, 1]));
    const refused = await guess(attacker, '198.51.100.3');
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('TOO_MANY_REQUESTS');
    // another client, even one claiming to be the attacker, has its own budget
    expect((await guess('127.0.0.14', attacker)).status).toBe(401);
  });

  it('keeps /metrics off the public face: scraped on each instance directly', async () => {
    for (const path of ['/metrics', '/METRICS', '//metrics/', '/%6detrics']) {
      const answer = await viaProxy(path, { from: '127.0.0.15' });
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain('# HELP');
    }
    for (const instance of [0, 1])
      expect((await direct(instance, '/metrics', { from: INTERNAL })).text).toContain(
        'auth_sign_in_total',
      );
  });

  it('shows the trap: a client that reaches an instance around the proxy chooses its own IP; HOST keeps the instances off the public address', async () => {
    // an instance bound to every interface would take this connection on the public address;
    // bound to the internal one (HOST), it is not there at all
    for (const port of ports) expect(await accepts(PUBLIC, port)).toBe(false);
    expect(await accepts(PUBLIC, nginxPort)).toBe(true);

    // where a client can reach the instance (here: the internal address), TRUST_PROXY=1 trusts
    // it as if it were nginx, and the IP it writes is the one recorded
    const username = uniqueUsername('bypass');
    const forged = { 'X-Forwarded-For': '203.0.113.66' };
    const from = INTERNAL;
    expect(
      (
        await direct(0, '/auth/sign-up', {
          from,
          headers: forged,
          body: { username, password: PASSWORD },
        })
      ).status,
    ).toBe(201);
    const signedIn = await direct(0, '/auth/sign-in', {
      from,
      headers: forged,
      body: { username, password: PASSWORD },
    });
    const data = signedIn.body.data as { accessToken: string; user: { id: string } };
    const events = await direct(0, `/users/${data.user.id}/security-events`, {
      from,
      headers: bearer(data.accessToken),
    });
    const signIn = (events.body.data as EventBody[]).find((event) => event.type === 'sign-in');
    expect(signIn?.ip).toBe('203.0.113.66');
  });
});
