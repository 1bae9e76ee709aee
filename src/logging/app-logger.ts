import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFormat } from '../config/app-config';
import { REDACT_PATHS, REDACTED, scrubCredentials } from './redaction';
import { requestSerializers } from './request-serializers';

/** The app's pino logger: Nest's Logger, the request log and SecurityLog all write through it. */
export type AppLogger = Logger;

/**
 * Standard output gathers lines until it holds this much, or for at most {@link GATHER_MS}, so
 * that under load many lines share one write and no request waits for the pipe.
 */
const GATHER_BYTES = 4096;
const GATHER_MS = 100;

let stdout: ReturnType<typeof pino.destination> | undefined;

/** The process's one standard output, made on first use (pino flushes it at `exit`). */
function stdoutDestination(): DestinationStream {
  stdout ??= pino.destination({
    dest: 1,
    sync: false,
    minLength: GATHER_BYTES,
    periodicFlush: GATHER_MS,
  });
  return stdout;
}

/**
 * Writes out what standard output still holds, synchronously: for a process about to die of a
 * signal, where no `exit` event comes.
 */
export function flushLogs(): void {
  stdout?.flushSync();
}

/** An error as a log shows it: never its other own fields, which may hold a request's data. */
function errorFields(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  return { type: error.name, message: error.message, stack: error.stack };
}

const OPTIONS: LoggerOptions = {
  redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  formatters: { level: (label) => ({ level: label }) },
  timestamp: pino.stdTimeFunctions.isoTime,
  serializers: { ...requestSerializers, err: errorFields },
  // the finished line: messages and stacks are text that `redact` paths cannot see into
  hooks: { streamWrite: scrubCredentials },
};

/** Nest-style lines for a person: time, level, `[context]`, message, then the other fields. */
function prettyLines(destination: DestinationStream, colours: boolean): DestinationStream {
  const prettify = prettyFactory({
    colorize: colours,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: (log, messageKey) =>
      [typeof log.context === 'string' ? `[${log.context}]` : '', log[messageKey]]
        .filter((part) => part !== undefined && part !== '')
        .join(' '),
    singleLine: true,
  });
  return { write: (line) => destination.write(prettify(line)) };
}

function isColourTerminal(): boolean {
  return process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
}

/**
 * The app's logger in a LOG_FORMAT, writing to standard output or to `destination` (which receives
 * one string per line). Pretty lines are coloured at a terminal.
 */
export function createAppLogger(
  format: LogFormat,
  destination?: DestinationStream,
  colours = destination === undefined && isColourTerminal(),
): AppLogger {
  const lines = destination ?? stdoutDestination();
  return pino(OPTIONS, format === 'pretty' ? prettyLines(lines, colours) : lines);
}

/** A logger that writes nothing (tests, scripts). */
export function silentLogger(): AppLogger {
  return pino({ ...OPTIONS, level: 'silent' }, { write: () => undefined });
}
