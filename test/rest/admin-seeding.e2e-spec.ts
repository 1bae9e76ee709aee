import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/load-config';
import { PASSWORD, signIn, signUp, UserBody, decodeAccessToken } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, expectSuccess } from './rest-helpers';

/** The real server process (src/main.ts) until it exits, or is stopped once it listens. */
function runServer(
  env: Record<string, string>,
): Promise<{ code: number | 'listening' | null; stderr: string }> {
  const child = spawn(process.execPath, ['-r', './scripts/register-ts-nest.js', 'src/main.ts'], {
    cwd: join(__dirname, '..', '..'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-e2e-seed-')),
      NODE_ENV: 'test',
      BCRYPT_COST: '4',
      JWT_ACCESS_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let listening = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (!listening && chunk.toString().includes('Listening on')) {
      listening = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) =>
    child.once('close', (code) => resolve({ code: listening ? 'listening' : code, stderr })),
  );
}

describe('admin seeding (ADMIN_USERNAME, ADMIN_PASSWORD)', () => {
  // one live app at a time: apps in one process share passport's global 'jwt' strategy
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function start(env: Record<string, string>): Promise<TestApp> {
    const app = await createTestApp(env);
    apps.push(app);
    return app;
  }

  it('creates the admin at start-up; it signs in with ADMIN_PASSWORD and has role admin', async () => {
    const t = await start({ ADMIN_USERNAME: 'Site-Admin', ADMIN_PASSWORD: 'seeded admin pw' });
    const admin = await signIn(t.http, 'Site-Admin', 'seeded admin pw');
    expect(decodeAccessToken(admin.accessToken).payload).toMatchObject({
      role: 'admin',
      username: 'Site-Admin',
    });
    const me = expectSuccess<UserBody>(
      await t.http.get('/auth/me').set('Authorization', bearer(admin.accessToken)),
    );
    expect(me).toMatchObject({ username: 'Site-Admin', role: 'admin' });
    // only once, whatever the case
    const res = await t.http
      .post('/auth/sign-up')
      .send({ username: 'site-admin', password: PASSWORD });
    expect(res.status).toBe(409);
  });

  /** A database where `username` already signed up as a plain user; returns its URI and the id. */
  async function databaseWithUser(username: string): Promise<{ uri: string; userId: string }> {
    const first = await start({});
    const userId = await signUp(first.http, username);
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    return { uri: first.config.mongodbUri!, userId };
  }

  it('never promotes an existing non-admin of that name (any case): start-up stops with one line', async () => {
    const { uri, userId } = await databaseWithUser('Squatter.User');
    const error = await start({
      MONGODB_URI: uri,
      ADMIN_USERNAME: 'squatter.user',
      ADMIN_PASSWORD: 'some admin password',
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^ADMIN_USERNAME .*not an admin/);
    expect((error as Error).message).not.toContain('\n');

    // the account is untouched: still a user, still signing in with its own password only
    const t = await start({ MONGODB_URI: uri });
    const squatter = await signIn(t.http, 'Squatter.User');
    expect(decodeAccessToken(squatter.accessToken).payload.role).toBe('user');
    const me = expectSuccess<UserBody>(
      await t.http.get('/auth/me').set('Authorization', bearer(squatter.accessToken)),
    );
    expect(me).toMatchObject({ id: userId, role: 'user' });
    const res = await t.http
      .post('/auth/sign-in')
      .send({ username: 'Squatter.User', password: 'some admin password' });
    expect(res.status).toBe(401);
  });

  it('prints that one line and exits 1 when started as the server', async () => {
    const { uri } = await databaseWithUser('squatter.two');
    const { code, stderr } = await runServer({
      MONGODB_URI: uri,
      ADMIN_USERNAME: 'Squatter.Two',
      ADMIN_PASSWORD: 'some admin password',
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Cannot start: ADMIN_USERNAME "Squatter\.Two" .*not an admin/),
    ]);
  }, 180_000); // compiles src/main.ts with the Nest plugins first

  it('leaves an existing admin alone: its password is not reset', async () => {
    const admin = { ADMIN_USERNAME: 'kept.admin', ADMIN_PASSWORD: 'first admin password' };
    const first = await start(admin);
    const signedIn = await signIn(first.http, 'kept.admin', 'first admin password');
    const changed = await first.http
      .post('/auth/change-password')
      .set('Authorization', bearer(signedIn.accessToken))
      .send({ currentPassword: 'first admin password', newPassword: 'changed admin password' });
    expect(changed.status).toBe(200);
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const t = await start({
      MONGODB_URI: first.config.mongodbUri!,
      ADMIN_USERNAME: 'Kept.Admin',
      ADMIN_PASSWORD: 'first admin password',
    });
    const again = await signIn(t.http, 'kept.admin', 'changed admin password');
    expect(decodeAccessToken(again.accessToken).payload.role).toBe('admin');
    const res = await t.http
      .post('/auth/sign-in')
      .send({ username: 'kept.admin', password: 'first admin password' });
    expect(res.status).toBe(401);
  });

  it('does nothing when only one of the two is set', async () => {
    const t = await start({ ADMIN_USERNAME: 'lonely.admin' });
    const res = await t.http
      .post('/auth/sign-in')
      .send({ username: 'lonely.admin', password: 'whatever pw' });
    expect(res.status).toBe(401);
  });
});
