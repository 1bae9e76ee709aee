import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

/** Connections open at most: nodemailer's own pool's default. */
const MAX_CONNECTIONS = 5;

/** What the pool connects with: nodemailer's SMTP client's options, credentials included. */
type PoolOptions = SMTPConnection.Options & {
  auth?: { user?: string; pass?: string };
  forceAuth?: boolean;
};

/**
 * A few SMTP connections kept open and reused, each carrying one message at a time, for messages
 * that are already their bytes (MailService composes every mail before it is sent).
 *
 * The protocol is nodemailer's SMTP client's (`SMTPConnection`): STARTTLS when offered (or TLS
 * for `smtps://`), AUTH, PIPELINING, dot-stuffing, the timeouts. nodemailer's own pool was used
 * before; for every mail it rebuilt the prebuilt bytes as a MIME tree and streamed them through
 * a stream pipeline, CPU the server spends after the answer on a known account's reset mail only,
 * and several times what the SMTP exchange itself costs.
 *
 * An idle connection that ends (the server's idle limit, or `socketTimeout` of quiet) leaves the
 * pool, and the next mail opens a new one. A send that fails closes its connection; the caller
 * decides whether to try again (MailService does, once).
 */
export class SmtpPool {
  private readonly idle: SMTPConnection[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;
  private closed = false;

  private constructor(private readonly options: PoolOptions) {}

  /** `url`: `smtp://` or `smtps://`, read as nodemailer reads it; `options` come on top. */
  static fromUrl(url: string, options: SMTPConnection.Options = {}): SmtpPool {
    return new SmtpPool({ ...(parseConnectionUrl(url) as PoolOptions), ...options });
  }

  /** Sends `raw` (a whole message) to `envelope`'s recipients; rejects with the SMTP error. */
  async send(envelope: SMTPConnection.Envelope, raw: Buffer): Promise<void> {
    const connection = await this.acquire();
    try {
      await new Promise<void>((resolve, reject) =>
        connection.send(envelope, raw, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      // its state after a refusal is the server's to say: a fresh connection for the next mail
      connection.close();
      throw error;
    }
    this.release(connection);
  }

  /** Closes the idle connections, and each busy one once its mail is through. */
  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.quit();
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(): Promise<SMTPConnection> {
    for (;;) {
      if (this.closed) throw new Error('The SMTP pool is closed');
      const connection = this.idle.pop();
      if (connection !== undefined) return connection;
      if (this.open < MAX_CONNECTIONS) return this.connect();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(connection: SMTPConnection): void {
    if (this.closed) {
      connection.quit();
      return;
    }
    this.idle.push(connection);
    this.waiting.shift()?.();
  }

  private connect(): Promise<SMTPConnection> {
    const connection = new SMTPConnection(this.options);
    this.open += 1;
    // a connection ends once, whatever ended it: it leaves the pool and frees its place
    connection.once('end', () => {
      this.open -= 1;
      const at = this.idle.indexOf(connection);
      if (at >= 0) this.idle.splice(at, 1);
      this.waiting.shift()?.();
    });
    // an error in a send reaches its callback too, and one while idle ends the connection
    connection.on('error', () => undefined);
    return new Promise<SMTPConnection>((resolve, reject) => {
      const closedEarly = (): void => fail(new Error('The SMTP connection closed while opening'));
      const fail = (error: Error): void => {
        connection.off('error', fail);
        connection.off('end', closedEarly);
        connection.close();
        reject(error);
      };
      const ready = (): void => {
        connection.off('error', fail);
        connection.off('end', closedEarly);
        resolve(connection);
      };
      connection.once('error', fail);
      connection.once('end', closedEarly);
      connection.connect((error) => {
        if (error) return fail(error);
        const { auth } = this.options;
        // as nodemailer's pool: credentials go only to a server that offers AUTH
        const offersAuth = (connection as unknown as { allowsAuth: boolean }).allowsAuth;
        if (auth?.user === undefined || !(offersAuth || this.options.forceAuth === true))
          return ready();
        connection.login({ user: auth.user, pass: auth.pass ?? '' }, (loginError) =>
          loginError ? fail(loginError) : ready(),
        );
      });
    });
  }
}
