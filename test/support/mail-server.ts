import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { Env } from '../../src/config/load-config';
import type { AppLogger } from '../../src/logging/app-logger';
import { MailService } from '../../src/mail/mail.service';
import { createTestApp, TestApp } from './test-app';

/** A mail as it arrived: the envelope's recipient, the headers tests read, both parts. */
export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

/** Bounds a wait for a mail that never comes; no test waits for it to pass. */
const MAIL_WAIT_MS = 60_000;

/**
 * A real SMTP server (smtp-server, MIT-0) on 127.0.0.1 that keeps every mail it receives, for the
 * app to send to through SMTP_URL. A mail is kept before the server answers its DATA, so once the
 * app's sends have settled ({@link settledMails}) every mail they sent is here.
 */
export class TestMailServer {
  readonly mails: ReceivedMail[] = [];
  private readonly waiting = new Set<() => void>();
  /** Refuse this many of the next deliveries (a server in trouble), then accept again. */
  refuseNext = 0;

  private readonly server: SMTPServer;
  /** `smtp://[user:pass@]127.0.0.1:port`, once started. */
  url = '';

  private constructor(private readonly credentials?: { user: string; pass: string }) {
    this.server = new SMTPServer({
      authOptional: credentials === undefined,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username === credentials?.user && auth.password === credentials?.pass)
          callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData: (stream, session, callback) => {
        if (this.refuseNext > 0) {
          this.refuseNext -= 1;
          stream.resume();
          stream.on('end', () =>
            callback(Object.assign(new Error('Try again later'), { responseCode: 451 })),
          );
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            this.keep({
              to: session.envelope.rcptTo.map((address) => address.address).join(','),
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
            });
            callback();
          })
          .catch(callback);
      },
    });
  }

  /** `credentials`: the server then requires them (SMTP AUTH PLAIN/LOGIN). */
  static async start(credentials?: { user: string; pass: string }): Promise<TestMailServer> {
    const mailServer = new TestMailServer(credentials);
    await new Promise<void>((resolve) => mailServer.server.listen(0, '127.0.0.1', resolve));
    const { port } = mailServer.server.server.address() as AddressInfo;
    const auth = credentials === undefined ? '' : `${credentials.user}:${credentials.pass}@`;
    mailServer.url = `smtp://${auth}127.0.0.1:${port}`;
    return mailServer;
  }

  private keep(mail: ReceivedMail): void {
    this.mails.push(mail);
    for (const wake of this.waiting) wake();
  }

  /** The mails to `to` so far. */
  to(to: string): ReceivedMail[] {
    return this.mails.filter((mail) => mail.to === to);
  }

  /** Waits for the `count`-th mail to `to` (1 = the first) and answers it. */
  async nth(to: string, count = 1): Promise<ReceivedMail> {
    const deadline = Date.now() + MAIL_WAIT_MS;
    while (this.to(to).length < count) {
      if (Date.now() > deadline) throw new Error(`no mail #${count} to ${to} arrived`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiting.delete(wake);
          resolve();
        };
        this.waiting.add(wake);
        setTimeout(wake, 1_000).unref();
      });
    }
    return this.to(to)[count - 1];
  }

  /** The latest mail to `to` that arrived so far (after {@link settledMails}: every one sent). */
  last(to: string): ReceivedMail | undefined {
    return this.to(to).at(-1);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Waits until every mail the app started sending was delivered (or failed twice). */
export function settledMails(t: TestApp): Promise<void> {
  return t.app.get(MailService).settled();
}

/** The token of a mail's link to `path` (`/verify-email` or `/reset-password`). */
export function tokenOfLink(mail: Pick<ReceivedMail, 'text'>, path: string): string {
  const link = linkIn(mail, path);
  return new URL(link).searchParams.get('token')!;
}

/** The link to `path` in a mail's text. */
export function linkIn(mail: Pick<ReceivedMail, 'text'>, path: string): string {
  const match = new RegExp(`https?://\\S+${path}\\?token=[\\w-]+`).exec(mail.text);
  if (match === null) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[0];
}

/** The real app sending its mails (SMTP_URL) to a {@link TestMailServer} of its own. */
export interface MailTestApp extends TestApp {
  mail: TestMailServer;
}

/** Starts a mail server and the app on it; `close()` stops both. */
export async function createMailTestApp(env: Env = {}, logger?: AppLogger): Promise<MailTestApp> {
  const mail = await TestMailServer.start();
  try {
    const t = await createTestApp({ SMTP_URL: mail.url, ...env }, logger ?? false);
    return {
      ...t,
      mail,
      close: async () => {
        await t.close();
        await mail.close();
      },
    };
  } catch (error) {
    await mail.close();
    throw error;
  }
}
