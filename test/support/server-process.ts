import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A port free on `host` right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServerProcess {
  child: ChildProcess;
  /** Resolves once the process has exited and everything it wrote has been read. */
  closed: Promise<void>;
  output(): string;
  /** Resolves once the server's output satisfies `done` (checked on every chunk it writes). */
  waitFor(what: string, done: (output: string) => boolean): Promise<void>;
}

/**
 * Runs `npm run build`, the image's build command, so that dist/main.js (what the image and CI's
 * fuzzing start) holds the current sources; returns its path. For tests that need the real start
 * command: under ts-node, compiling the first file already loads `graphql` (the Nest GraphQL
 * plugin uses it), before anything in main.ts could run first.
 */
export function buildServer(): string {
  try {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build failed:\n${String(stdout)}${String(stderr)}`);
  }
  return join(ROOT, 'dist', 'main.js');
}

/**
 * The real server process with only `env` and the paths a build needs, and each of `preloads`
 * loaded first (`node -r`): `main` when given (dist/main.js, see {@link buildServer}), else
 * src/main.ts compiled as `nest build` would.
 */
export function spawnServer(
  env: Record<string, string>,
  preloads: string[] = [],
  main?: string,
): ServerProcess {
  const child = spawn(
    process.execPath,
    [
      ...(main === undefined ? ['-r', './scripts/register-ts-nest.js'] : []),
      ...preloads.flatMap((preload) => ['-r', preload]),
      main ?? 'src/main.ts',
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GOPATH: process.env.GOPATH,
        GOMODCACHE: process.env.GOMODCACHE,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const check of watchers) check();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  return {
    child,
    closed: new Promise((resolve) => child.once('close', () => resolve())),
    output: () => output,
    // no deadline of its own: a busy machine may take minutes to compile the server, and a hang
    // is left to Jest's timeout
    waitFor: (what, done) =>
      new Promise<void>((resolve, reject) => {
        const onExit = (): void => finish(new Error(`server exited while waiting for ${what}`));
        const check = (): void => {
          if (done(output)) finish();
        };
        const finish = (error?: Error): void => {
          watchers.delete(check);
          child.off('exit', onExit);
          if (error === undefined) resolve();
          else reject(new Error(`${error.message}:\n${output}`));
        };
        watchers.add(check);
        child.once('exit', onExit);
        check();
      }),
  };
}
