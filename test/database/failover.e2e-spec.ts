import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type NetConnectOpts, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongo } from 'mongoose';
import { newSession, PASSWORD, signIn, uniqueUsername } from '../support/auth-helpers';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';

const ADMIN = { username: 'Failover.Admin', password: 'the admin password' };
/** A command document's first element, `<name>: <collection>`, as BSON writes it. */
const commandNamed = (name: string) => Buffer.from(`\x02${name}\x00`, 'latin1');
const FIND = commandNamed('find');

/** The start of an `insert` command into `collection`, as BSON writes it. */
function insertInto(collection: string): Buffer {
  const name = Buffer.from(`${collection}\x00`, 'latin1');
  const length = Buffer.alloc(4);
  length.writeInt32LE(name.length);
  return Buffer.concat([commandNamed('insert'), length, name]);
}
const OP_MSG = 2013;

/** What a primary that stepped down answers a command, until the new one is elected. */
const NOT_WRITABLE_PRIMARY = {
  ok: 0,
  code: 10107,
  codeName: 'NotWritablePrimary',
  errmsg: 'not primary',
};

/** An OP_MSG reply to the request that starts `request`, carrying one document. */
function replyTo(request: Buffer, document: object): Buffer {
  const body = Buffer.from(mongo.BSON.serialize(document));
  const header = Buffer.alloc(21);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(0, 4); // requestID
  header.writeInt32LE(request.readInt32LE(4), 8); // responseTo
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16); // flagBits
  header.writeUInt8(0, 20); // section kind 0: the body
  return Buffer.concat([header, body]);
}

/** The next command of one kind whose bytes include `marker`, and what the proxy does to it. */
interface Trap {
  command: Buffer;
  markers: Buffer[];
  /** undefined: drop the connection, unanswered; else answer this instead of the database */
  answer?: object;
}

/**
 * A proxy in front of the test database that passes every byte through, except the next command
 * of one kind that holds some bytes, which it treats as a failover would: it drops the connection
 * under it (the old primary's connections go), or answers it as the primary that stepped down.
 */
class FailoverProxy {
  private trap: Trap | undefined;
  private readonly sockets = new Set<Socket>();
  trapped = 0;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    readonly uri: string,
  ) {}

  static async start(upstream: NetConnectOpts): Promise<FailoverProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'auth-failover-'));
    const path = join(dir, 'proxy.sock');
    const server = createServer();
    // the test database's URI with the proxy for its host (credentials and options kept)
    const [, credentials, rest] = /^mongodb:\/\/([^@/]*@)?[^/]*(\/.*)$/.exec(testDatabaseUri())!;
    const uri = `mongodb://${credentials ?? ''}${encodeURIComponent(path)}${rest}${rest.includes('?') ? '&' : '?'}directConnection=true`;
    const proxy = new FailoverProxy(server, dir, uri);
    server.on('connection', (client) => proxy.forward(client, connect(upstream)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return proxy;
  }

  /** Drops the connection of the next `find` whose bytes include `marker`, once. */
  dropNextFindWith(marker: Buffer): void {
    this.trap = { command: FIND, markers: [marker] };
    this.trapped = 0;
  }

  /** Answers the next `command` whose bytes include all `markers` as a stepped-down primary, once. */
  refuseNext(command: string, ...markers: Buffer[]): void {
    this.trap = { command: commandNamed(command), markers, answer: NOT_WRITABLE_PRIMARY };
    this.trapped = 0;
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
      const trap = this.trap;
      if (trap?.markers.every((marker) => chunk.includes(marker)) && chunk.includes(trap.command)) {
        this.trap = undefined;
        this.trapped++;
        if (trap.answer === undefined) client.destroy();
        else client.write(replyTo(chunk, trap.answer));
        return;
      }
      server.write(chunk);
    });
    server.pipe(client);
  }
}

/** What a failover does to the next `find` holding `marker`. */
const READ_FAULTS: Record<string, (proxy: FailoverProxy, marker: Buffer) => void> = {
  'a dropped connection': (proxy, marker) => proxy.dropNextFindWith(marker),
  'a stepped-down primary': (proxy, marker) => proxy.refuseNext('find', marker),
};

/** Where the test database listens: its Unix socket, or its host and port. */
function upstreamOf(uri: string): NetConnectOpts {
  const host = decodeURIComponent(/^mongodb:\/\/([^/?,]+)/.exec(uri)![1]);
  if (host.startsWith('/')) return { path: host };
  const [hostname, port] = host.split(':');
  return { host: hostname, port: Number(port ?? 27017) };
}

/**
 * A failover drops the connections to the old primary under the commands they carry, and the old
 * primary refuses what still reaches it until the new one is elected. The driver sends its own
 * reads again (`retryReads`), but the floor's reads go as `db.command`, which it never retries:
 * they are sent again by the floor (`src/database/read-command.ts`). What no retry mends answers
 * 503, which a client may send again, not 500 (`src/common/errors/database-failures.ts`).
 */
describe('a failover under reads and writes', () => {
  let proxy: FailoverProxy;
  let t: TestApp;
  let adminToken: string;

  beforeAll(async () => {
    proxy = await FailoverProxy.start(upstreamOf(process.env.TEST_MONGODB_URI!));
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

  it('answers a read by _id that a failover cut: its connection dropped, or the old primary refused it', async () => {
    for (const [fault, cut] of Object.entries(READ_FAULTS)) {
      const user = await newSession(t.http);
      cut(proxy, Buffer.from(user.userId, 'hex'));
      const res = await t.http
        .get(`/users/${user.userId}`)
        .set('Authorization', `Bearer ${adminToken}`);
      expect(proxy.trapped).toBe(1);
      expect({ fault, status: res.status, id: res.body.data?.id }).toEqual({
        fault,
        status: 200,
        id: user.userId,
      });
    }
  });

  it('answers a page whose connection dropped under it', async () => {
    const first = await newSession(t.http);
    const second = await newSession(t.http);
    proxy.dropNextFindWith(Buffer.from(first.userId, 'hex'));
    const res = await t.http
      .get(`/users?limit=1&after=${first.userId}`)
      .set('Authorization', `Bearer ${adminToken}`);
    expect(proxy.trapped).toBe(1);
    expect({
      status: res.status,
      ids: (res.body.data as { id: string }[] | undefined)?.map((user) => user.id),
    }).toEqual({
      status: 200,
      ids: [second.userId],
    });
  });

  it('answers 503 to a sign-up whose write a stepped-down primary refused; sent again, it is taken', async () => {
    // the username's reservation, then the user: whichever write fails, nothing is left half-done
    for (const collection of ['usernames', 'users']) {
      const username = uniqueUsername('failover');
      proxy.refuseNext('insert', insertInto(collection), Buffer.from(username));
      const refused = await t.http.post('/auth/sign-up').send({ username, password: PASSWORD });
      expect(proxy.trapped).toBe(1);
      expect({ collection, status: refused.status, code: refused.body.error?.code }).toEqual({
        collection,
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
      await t.http.post('/auth/sign-up').send({ username, password: PASSWORD }).expect(201);
      await signIn(t.http, username);
    }
  });

  it('sends nothing again with retryReads=false in the URI: the read answers 503', async () => {
    const noRetries = await createTestApp({
      MONGODB_URI: `${proxy.uri}&retryReads=false`,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    try {
      const admin = await signIn(noRetries.http, ADMIN.username, ADMIN.password);
      const user = await newSession(noRetries.http);
      for (const [fault, cut] of Object.entries(READ_FAULTS)) {
        cut(proxy, Buffer.from(user.userId, 'hex'));
        const res = await noRetries.http
          .get(`/users/${user.userId}`)
          .set('Authorization', `Bearer ${admin.accessToken}`);
        expect(proxy.trapped).toBe(1);
        expect({ fault, status: res.status, code: res.body.error?.code }).toEqual({
          fault,
          status: 503,
          code: 'SERVICE_UNAVAILABLE',
        });
      }
    } finally {
      await noRetries.close();
    }
  });
});
