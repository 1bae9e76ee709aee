import type { LogFormat } from '../../src/config/app-config';
import { AppLogger, createAppLogger } from '../../src/logging/app-logger';

/** The app's real logger, writing its lines into memory instead of standard output. */
export interface LogCapture {
  logger: AppLogger;
  /** Every line written so far, each ending in `\n`. */
  lines: string[];
  /** The lines as objects (json format only). */
  entries: () => Record<string, unknown>[];
  /** Everything written so far, as one text. */
  text: () => string;
}

export function captureLogs(format: LogFormat = 'json', colours = false): LogCapture {
  const lines: string[] = [];
  return {
    logger: createAppLogger(format, { write: (line) => lines.push(line) }, colours),
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}
