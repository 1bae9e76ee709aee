import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerSession } from 'smtp-server';
import { SmtpPool } from './smtp-pool';

/** An SMTP server on 127.0.0.1 that keeps each message's bytes and counts its connections. */
class Server {
  readonly messages: { to: string[]; raw: string; session: string }[] = [];
  readonly sessions = new Set<SMTPServerSession>();
  connections = 0;
  url = '';
  private readonly server: SMTPServer;

  constructor(credentials?: { user: string; pass: string }) {
    this.server = new SMTPServer({
      authOptional: credentials === undefined,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (session, callback) => {
        this.connections += 1;
        this.sessions.add(session);
        callback();
      },
      onClose: (session) => this.sessions.delete(session),
      onRcptTo: (address, _session, callback) =>
        address.address.startsWith('refused')
          ? callback(Object.assign(new Error('No such user'), { responseCode: 550 }))
          : callback(),
      onAuth: (auth, _session, callback) =>
        auth.username === credentials?.user && auth.password === credentials?.pass
          ? callback(null, { user: auth.username })
          : callback(new Error('Invalid username or password')),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.messages.push({
            to: session.envelope.rcptTo.map((address) => address.address),
            raw: Buffer.concat(chunks).toString(),
            session: session.id,
          });
          callback();
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Ends every open connection from the server's side, as an idle limit would. */
  dropConnections(): void {
    const connections = (this.server as unknown as { connections: Set<{ close(): void }> })
      .connections;
    for (const connection of connections) connection.close();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const message = (n: number): Buffer =>
  Buffer.from(
    `From: a@example.com\r\nTo: b${n}@example.com\r\nSubject: ${n}\r\n\r\nline\r\n.starts with a dot\r\n`,
  );
const envelope = (n: number) => ({ from: 'a@example.com', to: [`b${n}@example.com`] });

describe('SmtpPool', () => {
  let server: Server;
  let pool: SmtpPool | undefined;

  beforeEach(async () => {
    server = await new Server().start();
  });

  afterEach(async () => {
    pool?.close();
    pool = undefined;
    await server.close();
  });

  it('sends the bytes as they are, over at most five connections it keeps', async () => {
    pool = SmtpPool.fromUrl(server.url);
    await Promise.all(Array.from({ length: 40 }, (_, n) => pool!.send(envelope(n), message(n))));
    await Promise.all(Array.from({ length: 40 }, (_, n) => pool!.send(envelope(n), message(n))));
    expect(server.messages).toHaveLength(80);
    expect(server.connections).toBeLessThanOrEqual(5);
    const first = server.messages.find((sent) => sent.to[0] === 'b7@example.com')!;
    // dot-stuffing is undone by the server: the message arrives as it was given
    expect(first.raw).toBe(message(7).toString());
  });

  it('opens a new connection where the server ended an idle one', async () => {
    pool = SmtpPool.fromUrl(server.url);
    await pool.send(envelope(1), message(1));
    server.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await pool.send(envelope(2), message(2));
    expect(server.messages.map((sent) => sent.to[0])).toEqual(['b1@example.com', 'b2@example.com']);
    expect(server.connections).toBe(2);
  });

  it('rejects a refused recipient and goes on with a fresh connection', async () => {
    pool = SmtpPool.fromUrl(server.url);
    await expect(
      pool.send({ from: 'a@example.com', to: ['refused@example.com'] }, message(1)),
    ).rejects.toThrow(/No such user/);
    await pool.send(envelope(2), message(2));
    expect(server.messages).toHaveLength(1);
    expect(server.connections).toBe(2);
  });

  it('logs in with the credentials of the URL, and fails with wrong ones', async () => {
    const guarded = await new Server({ user: 'mailer', pass: 's3cret pass' }).start();
    const port = new URL(guarded.url).port;
    const good = SmtpPool.fromUrl(`smtp://mailer:s3cret%20pass@127.0.0.1:${port}`);
    const bad = SmtpPool.fromUrl(`smtp://mailer:wrong@127.0.0.1:${port}`);
    try {
      await good.send(envelope(1), message(1));
      expect(guarded.messages).toHaveLength(1);
      await expect(bad.send(envelope(2), message(2))).rejects.toThrow(/Invalid username/);
    } finally {
      good.close();
      bad.close();
      await guarded.close();
    }
  });

  it('rejects at once when nothing listens, and frees its place for the next try', async () => {
    const url = server.url;
    await server.close();
    pool = SmtpPool.fromUrl(url, { connectionTimeout: 2_000 });
    for (let n = 0; n < 7; n++) await expect(pool.send(envelope(n), message(n))).rejects.toThrow();
    server = await new Server().start();
  });

  it('closes its idle connections when closed, and refuses mails from then on', async () => {
    pool = SmtpPool.fromUrl(server.url);
    await pool.send(envelope(1), message(1));
    pool.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.sessions.size).toBe(0);
    await expect(pool.send(envelope(2), message(2))).rejects.toThrow(/closed/);
  });
});
