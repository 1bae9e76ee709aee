import { LoggerService, LogLevel } from '@nestjs/common';
import type { LogFormat } from '../config/app-config';
import { LogSink, stdoutWriter } from './log-writer';
import { redact, redactText } from './redact';

export type { LogSink } from './log-writer';

/** One log call, redacted, before it is formatted. */
interface LogEntry {
  time: Date;
  level: LogLevel;
  context: string | undefined;
  fields: object;
  stack: string | undefined;
}

const DEFAULT_LEVELS: ReadonlySet<LogLevel> = new Set(['log', 'warn', 'error', 'fatal']);

/**
 * Nest's logger with every field redacted on the way out, so no call site can leak a password,
 * token or cookie by forgetting to. Subclasses only choose how an entry looks.
 */
abstract class RedactingLogger implements LoggerService {
  constructor(
    private readonly sink: LogSink = stdoutWriter().write,
    private readonly levels: ReadonlySet<LogLevel> = DEFAULT_LEVELS,
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

  /** The whole line, ending in `\n`. */
  protected abstract format(entry: LogEntry): string;

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.levels.has(level)) return;
    // Nest passes the context last, and for errors a stack before it
    const last = rest.length > 0 ? rest[rest.length - 1] : undefined;
    const context = typeof last === 'string' ? last : undefined;
    const stack =
      level === 'error' && typeof rest[0] === 'string' && rest.length > 1 ? rest[0] : undefined;
    const fields =
      typeof message === 'object' && message !== null && !(message instanceof Error)
        ? message
        : { msg: message };
    this.sink(
      this.format({
        time: new Date(),
        level,
        context,
        fields: redact(fields) as object,
        stack: stack === undefined ? undefined : redactText(stack),
      }),
    );
  }
}

/**
 * Field names the line itself sets (a field of the same name takes their place in the object), and
 * `toJSON`, which JSON.stringify would call on the merged object.
 */
const LINE_KEYS = ['time', 'level', 'context', 'stack', 'toJSON'];

/** One JSON object per line: `time`, `level`, `context`, the fields, and `stack` for errors. */
export class JsonLogger extends RedactingLogger {
  protected format(entry: LogEntry): string {
    const { time, level, context, fields, stack } = entry;
    // The usual line, built around the fields' own JSON instead of copied into a new object first.
    // A level and an ISO time need no escaping.
    if (!LINE_KEYS.some((key) => key in fields)) {
      const own = JSON.stringify(fields);
      // an integer-like key would come first in the merged object: that order is the slow path's;
      // so is an array's (redact keeps one as it is), whose indexes become keys
      if (own.startsWith('{') && !/^\{"\d/.test(own)) {
        let line = `{"time":"${time.toISOString()}","level":"${level}"`;
        if (context !== undefined) line += `,"context":${JSON.stringify(context)}`;
        if (own.length > 2) line += `,${own.slice(1, -1)}`;
        if (stack !== undefined) line += `,"stack":${JSON.stringify(stack)}`;
        return `${line}}\n`;
      }
    }
    return this.merged(entry);
  }

  private merged({ time, level, context, fields, stack }: LogEntry): string {
    const entry = {
      time: time.toISOString(),
      level,
      ...(context !== undefined && { context }),
      ...fields,
      ...(stack !== undefined && { stack }),
    };
    return `${JSON.stringify(entry)}\n`;
  }
}

const ANSI = {
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  reset: '\x1b[0m',
} as const;

const LEVEL_COLOURS: Record<LogLevel, string> = {
  log: ANSI.green,
  warn: ANSI.yellow,
  error: ANSI.red,
  fatal: ANSI.bold + ANSI.red,
  debug: ANSI.magenta,
  verbose: ANSI.cyan,
};

/**
 * Lines like Nest's own console logger, for a person at a terminal:
 * `[Nest] 4242  - 2026-11-30 15:04:05.123     LOG [Request] request method=GET route=/users/:id …`.
 * The free-text `msg` comes first, the other fields follow as `key=value`.
 */
export class PrettyLogger extends RedactingLogger {
  constructor(
    sink?: LogSink,
    levels?: ReadonlySet<LogLevel>,
    private readonly colours: boolean = process.stdout.isTTY === true &&
      process.env.NO_COLOR === undefined,
  ) {
    super(sink, levels);
  }

  protected format({ time, level, context, fields, stack }: LogEntry): string {
    const paint = (colour: string, text: string): string =>
      this.colours ? `${colour}${text}${ANSI.reset}` : text;
    const { msg, ...rest } = fields as { msg?: unknown };
    const words = [
      ...(msg === undefined ? [] : [typeof msg === 'string' ? msg : JSON.stringify(msg)]),
      ...Object.entries(rest).map(
        ([key, value]) =>
          `${paint(ANSI.dim, `${key}=`)}${typeof value === 'string' ? value : JSON.stringify(value)}`,
      ),
    ];
    const levelColour = LEVEL_COLOURS[level];
    const line =
      `${paint(levelColour, `[Nest] ${process.pid}  -`)} ${localTime(time)} ` +
      `${paint(levelColour, level.toUpperCase().padStart(7))} ` +
      `${context === undefined ? '' : `${paint(ANSI.yellow, `[${context}]`)} `}` +
      words.join(' ');
    return `${line}${stack === undefined ? '' : `\n${paint(ANSI.red, stack)}`}\n`;
  }
}

function localTime(time: Date): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`
  );
}

/** The application's logger in the configured format (LOG_FORMAT), writing to standard output. */
export function createLogger(format: LogFormat, sink?: LogSink): LoggerService {
  return format === 'pretty' ? new PrettyLogger(sink) : new JsonLogger(sink);
}
