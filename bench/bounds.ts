import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BoundResult, BoundTask } from './bound-worker';

const running = new Set<ChildProcess>();

/** Measures one bound in a separate process (bench/bound-worker.ts) and returns its result. */
export function measureBound(task: BoundTask): Promise<BoundResult> {
  const worker = join(__dirname, 'bound-worker.ts');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', worker, JSON.stringify(task)],
    {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const limitMs = (task.durationS + task.warmupS + 120) * 1000;
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolveResult, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code !== 0) {
        reject(
          new Error(`bound ${task.kind} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`),
        );
        return;
      }
      resolveResult(JSON.parse(stdout.trim().split('\n').pop()!) as BoundResult);
    });
  });
}

/** For exit handlers: no bound worker outlives the bench. */
export function killBoundWorkers(): void {
  for (const child of running) child.kill('SIGKILL');
}
