import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { SinkMessage, SinkRequest } from './mail-sink-worker';

const START_TIMEOUT_MS = 30_000;

/**
 * An SMTP server on 127.0.0.1 that takes every mail and keeps none, so that the server under test
 * sends its mails for real (forgot-known) without anything outside this machine. It runs in a
 * process of its own (bench/mail-sink-worker.ts): in the bench's process, its work for each mail
 * would hold up autocannon's reading of the answers, and show as latency of forgot-known alone.
 * It counts the mails it took, and tells the count over IPC.
 */
export class MailSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(): Promise<MailSink> {
    const child = fork(join(__dirname, 'mail-sink-worker.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the mail sink did not start')),
          START_TIMEOUT_MS,
        );
        child.once('error', reject);
        child.once('exit', (code, signal) =>
          reject(new Error(`the mail sink exited (${signal ?? `exit ${code}`})`)),
        );
        child.once('message', (message: SinkMessage) => {
          clearTimeout(timer);
          if (message.type === 'listening') resolve(message.port);
        });
      });
      child.removeAllListeners('exit');
      return new MailSink(child, `smtp://127.0.0.1:${port}`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** How many mails the sink has taken so far. */
  async received(): Promise<number> {
    const reply = new Promise<number>((resolve) => {
      const onMessage = (message: SinkMessage): void => {
        if (message.type !== 'received') return;
        this.child.off('message', onMessage);
        resolve(message.count);
      };
      this.child.on('message', onMessage);
    });
    this.child.send({ type: 'count' } satisfies SinkRequest);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }

  /** For exit handlers. */
  killNow(): void {
    this.child.kill('SIGKILL');
  }
}
