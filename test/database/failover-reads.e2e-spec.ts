import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type NetConnectOpts, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSession, signIn } from '../support/auth-helpers';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';

const ADMIN = { username: 'Failover.Admin', password: 'the admin password' };
/** A command document's first element, `find: <collection>`, as BSON writes it. */
const FIND = Buffer.from('\x02find\x00', 'latin1');

/**
 * A proxy in front of the test database that passes every byte through, except that it can drop
 * the connection that carries the next `find` holding some bytes, as a failover drops the
 * connections to a primary that steps down: the command is never answered.
 */
class DroppingProxy {
  private marker: Buffer | undefined;
  private readonly sockets = new Set<Socket>();
  dropped = 0;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    readonly uri: string,
  ) {}

  static async start(upstream: NetConnectOpts): Promise<DroppingProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'auth-failover-'));
    const path = join(dir, 'proxy.sock');
    const server = createServer();
    // the test database's URI with the proxy for its host (credentials and options kept)
    const [, credentials, rest] = /^mongodb:\/\/([^@/]*@)?[^/]*(\/.*)$/.exec(testDatabaseUri())!;
    const uri = `mongodb://${credentials ?? ''}${encodeURIComponent(path)}${rest}${rest.includes('?') ? '&' : '?'}directConnection=true`;
    const proxy = new DroppingProxy(server, dir, uri);
    server.on('connection', (client) => proxy.forward(client, connect(upstream)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return proxy;
  }

  /** Drops the connection of the next `find` whose bytes include `marker`, once. */
  dropNextFindWith(marker: Buffer): void {
    this.marker = marker;
    this.dropped = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private forward(client: Socket, server: Socket): void {
    for (const socket of [client, server]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (this.marker !== undefined && chunk.includes(FIND) && chunk.includes(this.marker)) {
        this.marker = undefined;
        this.dropped++;
        client.destroy();
        return;
      }
      server.write(chunk);
    });
    server.pipe(client);
  }
}

/** Where the test database listens: its Unix socket, or its host and port. */
function upstreamOf(uri: string): NetConnectOpts {
  const host = decodeURIComponent(/^mongodb:\/\/([^/?,]+)/.exec(uri)![1]);
  if (host.startsWith('/')) return { path: host };
  const [hostname, port] = host.split(':');
  return { host: hostname, port: Number(port ?? 27017) };
}

/**
 * A failover drops the connections to the old primary under the commands they carry. The driver
 * sends its own reads again (`retryReads`), but the floor's reads go as `db.command`, which it
 * never retries: they are sent again by the floor (`src/database/read-command.ts`).
 */
describe('reads across a dropped connection (a failover)', () => {
  let proxy: DroppingProxy;
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    proxy = await DroppingProxy.start(upstreamOf(process.env.TEST_MONGODB_URI!));
    t = await createTestApp({
      MONGODB_URI: proxy.uri,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    adminToken = (await signIn(t.http, ADMIN.username, ADMIN.password)).accessToken;
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  it('answers a read by _id whose connection dropped under it', async () => {
    const user = await newSession(t.http);
    proxy.dropNextFindWith(Buffer.from(user.userId, 'hex'));
    const res = await t.http
      .get(`/users/${user.userId}`)
      .set('Authorization', `Bearer ${adminToken}`);
    expect(proxy.dropped).toBe(1);
    expect({ status: res.status, id: res.body.data?.id }).toEqual({ status: 200, id: user.userId });
  });

  it('answers a page whose connection dropped under it', async () => {
    const first = await newSession(t.http);
    const second = await newSession(t.http);
    proxy.dropNextFindWith(Buffer.from(first.userId, 'hex'));
    const res = await t.http
      .get(`/users?limit=1&after=${first.userId}`)
      .set('Authorization', `Bearer ${adminToken}`);
    expect(proxy.dropped).toBe(1);
    expect({
      status: res.status,
      ids: (res.body.data as { id: string }[] | undefined)?.map((user) => user.id),
    }).toEqual({
      status: 200,
      ids: [second.userId],
    });
  });

  it('sends nothing again with retryReads=false in the URI: the dropped read answers 503', async () => {
    const noRetries = await createTestApp({
      MONGODB_URI: `${proxy.uri}&retryReads=false`,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    try {
      const admin = await signIn(noRetries.http, ADMIN.username, ADMIN.password);
      const user = await newSession(noRetries.http);
      proxy.dropNextFindWith(Buffer.from(user.userId, 'hex'));
      const res = await noRetries.http
        .get(`/users/${user.userId}`)
        .set('Authorization', `Bearer ${admin.accessToken}`);
      expect(proxy.dropped).toBe(1);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
    } finally {
      await noRetries.close();
    }
  });
});
