import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import MailComposer from 'nodemailer/lib/mail-composer';
import type MimeNode from 'nodemailer/lib/mime-node';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { writeShowing } from '../logging/redaction';
import { SmtpPool } from './smtp-pool';

/** One mail, in a text and an HTML part. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one-time tokens its links carry: the development log line shows them, no other line. */
  tokens: readonly string[];
}

/** A mail as SMTP carries it: the envelope, and the MIME message built to its bytes. */
interface ComposedMail {
  envelope: MimeNode.Envelope;
  raw: Buffer;
}

/** A failed send is tried once more after this. */
const RETRY_DELAY_MS = 1_000;
/** SMTP waits, so that a server that stopped answering does not hold a send for minutes. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends mail through nodemailer over SMTP_URL. Outside production without SMTP_URL each mail is
 * one log line instead (recipient, subject and text with its link), so that the flows run on the
 * embedded default with nothing else installed; in production without SMTP_URL nothing is sent.
 *
 * Sending never holds up, or fails, the request that caused it: it runs after the answer, and a
 * failure is logged (within the request's logging context, so with its request id) and tried once
 * more. Only a route whose whole job is to send mail asks {@link assertCanSend} first.
 *
 * A mail is composed to its bytes before the SMTP pool takes it, so that {@link composeOnly} can
 * do that same work for a mail that must not go out; the pool sends those bytes as they are
 * (see SmtpPool).
 */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transport: SmtpPool | undefined;
  private readonly sending = new Set<Promise<void>>();
  /** The domain of MAIL_FROM (validated at start-up: `…@domain` or `… <…@domain>`). */
  private readonly fromDomain: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { smtpUrl, from } = config.mail;
    this.fromDomain = from.slice(from.lastIndexOf('@') + 1).replace(/>$/, '');
    this.transport = smtpUrl === undefined ? undefined : SmtpPool.fromUrl(smtpUrl, SMTP_TIMEOUTS);
  }

  /** Whether mail goes anywhere: over SMTP, or to the log outside production. */
  get canSend(): boolean {
    return this.transport !== undefined || !this.config.isProduction;
  }

  /** 503 MAIL_NOT_CONFIGURED where no mail can go out (production without SMTP_URL). */
  assertCanSend(): void {
    if (!this.canSend) throw new AppError(ErrorCode.MAIL_NOT_CONFIGURED);
  }

  /** Sends `mail` after the current request's answer (see above); never throws. */
  send(mail: Mail): void {
    if (this.transport === undefined) {
      this.writeToLog(mail);
      return;
    }
    this.track(this.deliver(this.transport, this.compose(mail), mail));
  }

  /**
   * Composes `mail` as {@link send} does, and drops it: nothing goes out. For a flow whose every
   * case must cost the same whether a mail is due or not (forgot-password).
   */
  composeOnly(mail: Mail): void {
    if (this.transport === undefined) return;
    this.track(
      this.compose(mail).then(
        () => undefined,
        (error: unknown) =>
          this.logger.error(`Could not compose "${mail.subject}": ${reasonOf(error)}`),
      ),
    );
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.sending.delete(tracked));
    this.sending.add(tracked);
  }

  /**
   * The Message-ID and the MIME boundaries come from one `randomUUID()` (drawn from a pooled
   * buffer): nodemailer would read the system's randomness eight times, a system call each.
   */
  private async compose(mail: Mail): Promise<ComposedMail> {
    const { to, subject, text, html } = mail;
    const unique = randomUUID();
    const messageId = `<${unique}@${this.fromDomain}>`;
    const message = new MailComposer({
      from: this.config.mail.from,
      to,
      subject,
      text,
      html,
      messageId,
      baseBoundary: unique,
    }).compile();
    return { envelope: message.getEnvelope(), raw: await message.build() };
  }

  private writeToLog(mail: Mail): void {
    if (this.config.isProduction) {
      this.logger.warn(`No SMTP_URL: the mail "${mail.subject}" was not sent`);
      return;
    }
    writeShowing(mail.tokens, () =>
      this.logger.log({ event: 'mail', to: mail.to, subject: mail.subject, text: mail.text }),
    );
  }

  private async deliver(
    transport: SmtpPool,
    composed: Promise<ComposedMail>,
    mail: Mail,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { envelope, raw } = await composed;
        await transport.send(envelope, raw);
        return;
      } catch (error) {
        const reason = reasonOf(error);
        if (attempt === 2) {
          this.logger.error(`Could not send "${mail.subject}" to ${mail.to}: ${reason}`);
          return;
        }
        this.logger.warn(
          `Could not send "${mail.subject}" to ${mail.to}: ${reason}; trying again in ${RETRY_DELAY_MS} ms`,
        );
        await delay(RETRY_DELAY_MS);
      }
    }
  }

  /** Resolves once every mail being sent was delivered or given up. */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.all(this.sending);
  }

  /** Lets the mails being sent finish (or fail) before the process goes. */
  async onApplicationShutdown(): Promise<void> {
    await this.settled();
    this.transport?.close();
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
