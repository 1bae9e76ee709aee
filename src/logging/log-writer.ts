import SonicBoom from 'sonic-boom';

/** Where formatted log lines go: one call per line, the line ending in `\n`. */
export type LogSink = (line: string) => void;

/**
 * An asynchronous writer (pino's sonic-boom): the lines of one turn of the event loop are gathered
 * and handed over together at its end, and written when the previous write has finished, so under
 * load many lines share one `write` and no request waits for the pipe or the file. (Handed over
 * one by one, most lines found no write in flight and cost a write each: 5% of the CPU of a
 * request that does no I/O.) What is still buffered must be flushed before the process ends:
 * {@link flushLogs}.
 */
export class LogWriter {
  private readonly stream: SonicBoom;
  private synchronous = false;
  /** The lines of this turn of the event loop, not yet handed to the stream. */
  private pending = '';

  constructor(destination: number | string) {
    // minLength 0: a line is handed to the kernel as soon as no write is in flight
    this.stream = new SonicBoom({ dest: destination, sync: false, minLength: 0 });
  }

  readonly write: LogSink = (line) => {
    if (this.synchronous) {
      this.stream.write(line);
      this.flushSync();
      return;
    }
    if (this.pending === '') setImmediate(this.handOver);
    this.pending += line;
  };

  private readonly handOver = (): void => {
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.stream.write(lines);
  };

  /**
   * Writes out what is buffered and every later line at once: from here on the process may end at
   * any moment (Nest re-raises the shutdown signal as soon as the app is closed).
   */
  finish(): void {
    this.synchronous = true;
    this.flushSync();
  }

  /** Writes out whatever is buffered, synchronously. */
  flushSync(): void {
    this.handOver();
    try {
      this.stream.flushSync();
    } catch {
      // nothing buffered, or a write already in flight (sonic-boom finishes that one itself)
    }
  }
}

let stdout: LogWriter | undefined;

/** The process's one writer to standard output, made on first use. */
export function stdoutWriter(): LogWriter {
  if (stdout === undefined) {
    stdout = new LogWriter(1);
    // an exit (process.exit, the end of the event loop) must not lose the last lines
    process.once('exit', () => stdout?.flushSync());
  }
  return stdout;
}

/** Writes out the buffered log lines, and later ones as they come: the app is shutting down. */
export function flushLogs(): void {
  stdout?.finish();
}
