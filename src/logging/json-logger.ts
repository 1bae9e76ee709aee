import { LoggerService, LogLevel } from '@nestjs/common';
import { redact, redactText } from './redact';

export type LogSink = (line: string) => void;

const stdoutSink: LogSink = (line) => {
  process.stdout.write(line);
};

/**
 * Nest's logger as one JSON object per line, every field redacted on the way out, so no call
 * site can leak a password, token or cookie by forgetting to.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly sink: LogSink = stdoutSink,
    private readonly levels: ReadonlySet<LogLevel> = new Set(['log', 'warn', 'error', 'fatal']),
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.levels.has(level)) return;
    // Nest passes the context last, and for errors a stack before it
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack =
      level === 'error' && typeof rest[0] === 'string' && rest.length > 1 ? rest[0] : undefined;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? message
        : { msg: message };
    const entry = {
      time: new Date().toISOString(),
      level,
      ...(context !== undefined && { context }),
      ...(redact(fields) as object),
      ...(stack !== undefined && { stack: redactText(stack) }),
    };
    this.sink(`${JSON.stringify(entry)}\n`);
  }
}
