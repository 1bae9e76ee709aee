import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LINES = 20_000;

/** Runs `body` in a fresh Node process with the stdout writer in scope; returns what it printed. */
function printed(body: string): string[] {
  const script =
    `const { stdoutWriter, flushLogs } = require('./src/logging/log-writer');\n` +
    `const { write } = stdoutWriter();\n` +
    `for (let i = 0; i < ${LINES}; i++) write('line ' + i + '\\n');\n` +
    body;
  const child = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', script],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return child.stdout.split('\n').filter(Boolean);
}

describe('stdout log writer', () => {
  it('loses no buffered line when the process exits', () => {
    const lines = printed('process.exit(0);');
    expect(lines).toHaveLength(LINES);
    expect(lines.at(-1)).toBe(`line ${LINES - 1}`);
  });

  it('loses no line at shutdown, even when the process then dies of a signal', () => {
    // what Nest does: close the app (flushLogs runs in LoggingModule), then re-raise the signal
    const lines = printed(
      `flushLogs(); write('after shutdown\\n'); process.kill(process.pid, 'SIGKILL');`,
    );
    expect(lines).toHaveLength(LINES + 1);
    expect(lines.at(-1)).toBe('after shutdown');
  });
});
