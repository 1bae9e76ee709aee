import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { EmbeddedDatabase } from '../../src/database/embedded-database';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';

async function startApp(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', BCRYPT_COST: '4', ...env }, tmpdir());
  const app = await createApp(config, false);
  await app.init();
  return { app, http: request(app.getHttpServer()) };
}

describe('embedded database', () => {
  it('is started by the app when MONGODB_URI is unset, and keeps users and the signing key across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-restart-'));
    const username = uniqueUsername('persist');

    const first = await startApp({ DATA_DIR: dataDir });
    await first.http.post('/auth/sign-up').send({ username, password: PASSWORD }).expect(201);
    const signIn = await first.http
      .post('/auth/sign-in')
      .send({ username, password: PASSWORD })
      .expect(200);
    const accessToken = signIn.body.data.accessToken as string;
    await first.app.close();

    const second = await startApp({ DATA_DIR: dataDir });
    try {
      await second.http.post('/auth/sign-in').send({ username, password: PASSWORD }).expect(200);
      // the generated signing key was kept in DATA_DIR, so tokens survive the restart
      const me = await second.http
        .get('/auth/me')
        .set('Authorization', `Bearer ${accessToken}`)
        .expect(200);
      expect(me.body.data.username).toBe(username);
      await second.http
        .post('/auth/sign-up')
        .send({ username: username.toUpperCase(), password: PASSWORD })
        .expect(409);
    } finally {
      await second.app.close();
    }
  });

  it('answers 503 SERVICE_UNAVAILABLE quickly while the database is down, and recovers by itself', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-outage-'));
    let database = await EmbeddedDatabase.start(dataDir);
    const port = database.port;
    const { app, http } = await startApp({
      DATA_DIR: dataDir,
      MONGODB_URI: `${database.uri}outage`,
    });
    try {
      const username = uniqueUsername('outage');
      await http.post('/auth/sign-up').send({ username, password: PASSWORD }).expect(201);

      await database.stop();
      const started = Date.now();
      const down = await http.post('/auth/sign-in').send({ username, password: PASSWORD });
      expect(down.status).toBe(503);
      expect(down.body.error).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        message: expect.any(String),
        details: [],
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await http.get('/health')).status).toBe(503);

      database = await EmbeddedDatabase.start(dataDir, port);
      let status = 0;
      for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
        status = (await http.post('/auth/sign-in').send({ username, password: PASSWORD })).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(200);
      await http.get('/health').expect(200);
    } finally {
      await app.close();
      await database.stop();
    }
  });
});
