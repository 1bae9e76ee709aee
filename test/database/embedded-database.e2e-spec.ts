import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getConnectionToken } from '@nestjs/mongoose';
import { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { EmbeddedDatabase, EmbeddedDatabaseError } from '../../src/database/embedded-database';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';

async function startApp(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', BCRYPT_COST: '4', ...env }, tmpdir());
  const app = await createApp(config, false);
  await app.init();
  return { app, http: request(app.getHttpServer()) };
}

/** The socket path of an embedded database's URI (`mongodb://%2F...%2Fmongodb.sock/`). */
function socketOf(uri: string): string {
  return decodeURIComponent(/^mongodb:\/\/([^/]+)\//.exec(uri)![1]);
}

async function canUse(uri: string): Promise<boolean> {
  const client = await MongoClient.connect(`${uri}probe`, { serverSelectionTimeoutMS: 5_000 });
  try {
    const { insertedId } = await client.db().collection('probe').insertOne({ at: new Date() });
    return (await client.db().collection('probe').findOne({ _id: insertedId })) !== null;
  } finally {
    await client.close();
  }
}

/** A socket file nothing listens on: what a FerretDB killed without its shutdown leaves. */
async function leaveStaleSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const holder = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
  ]);
  await new Promise((listening) => holder.stdout.once('data', listening));
  holder.kill('SIGKILL');
  await new Promise((exited) => holder.once('exit', exited));
}

describe('embedded database', () => {
  it('listens on a Unix socket in its data directory, which only its user can enter, also one made open by an earlier version', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-socket-'));
    const dbDir = join(dataDir, 'ferretdb');
    mkdirSync(dbDir, { mode: 0o755 });
    chmodSync(dbDir, 0o755);
    const database = await EmbeddedDatabase.start(dataDir);
    try {
      expect(socketOf(database.uri)).toBe(join(dbDir, 'mongodb.sock'));
      expect(statSync(socketOf(database.uri)).isSocket()).toBe(true);
      expect(statSync(dbDir).mode & 0o777).toBe(0o700);
      expect(await canUse(database.uri)).toBe(true);
    } finally {
      await database.stop();
    }
    expect(existsSync(join(dbDir, 'mongodb.sock'))).toBe(false);
  });

  it('takes over the socket a killed FerretDB left, and refuses to start a second one on the same files', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-stale-'));
    await leaveStaleSocket(join(dataDir, 'ferretdb', 'mongodb.sock'));
    const database = await EmbeddedDatabase.start(dataDir);
    try {
      expect(await canUse(database.uri)).toBe(true);
      const second = EmbeddedDatabase.start(dataDir);
      await expect(second).rejects.toThrow(EmbeddedDatabaseError);
      await expect(second).rejects.toThrow(/another FerretDB already listens on .*mongodb\.sock/);
      expect(await canUse(database.uri)).toBe(true);
    } finally {
      await database.stop();
    }
  });

  it('puts the socket in a private directory of its own when the data directory is too deep for a socket path', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'auth-deep-')), 'd'.repeat(100));
    const database = await EmbeddedDatabase.start(dataDir);
    const socketDir = dirname(socketOf(database.uri));
    try {
      expect(socketDir.startsWith(join(tmpdir(), 'auth-ferretdb-'))).toBe(true);
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(await canUse(database.uri)).toBe(true);
      expect(existsSync(join(dataDir, 'ferretdb', 'probe.sqlite'))).toBe(true);
    } finally {
      await database.stop();
    }
    expect(existsSync(socketDir)).toBe(false);
  });

  it("cuts a database's write-ahead log back to 16 MiB once a burst that grew it is over", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'auth-wal-'));
    const database = await EmbeddedDatabase.start(dataDir);
    const client = await MongoClient.connect(`${database.uri}walbound`);
    const wal = join(dataDir, 'ferretdb', 'walbound.sqlite-wal');
    const limit = 16 * 1024 * 1024;
    try {
      const burst = client.db().collection('burst');
      await burst.insertMany([{ index: -2 }, { index: -1 }]);
      // a reader in the middle of a page holds its snapshot, so no checkpoint can start the log
      // again: every write of the burst lands at its end
      const reader = burst.find({}, { batchSize: 1 });
      await reader.next();
      const megabyte = 'x'.repeat(1024 * 1024);
      for (let index = 0; index < 24; index++) await burst.insertOne({ index, megabyte });
      expect(statSync(wal).size).toBeGreaterThan(limit);
      await reader.close();
      // the next commit's checkpoint copies the whole log into the database; the write after it
      // starts the log again from its beginning, and cuts the file back then
      await burst.insertOne({ after: 1 });
      await burst.insertOne({ after: 2 });
      expect(statSync(wal).size).toBeLessThanOrEqual(limit);
      expect(await burst.countDocuments({})).toBe(28);
    } finally {
      await client.close();
      await database.stop();
    }
  });

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
    // the app closes its connection while FerretDB still runs, and stops FerretDB after that
    const socket = join(dataDir, 'ferretdb', 'mongodb.sock');
    let socketAtClose: boolean | undefined;
    first.app.get<Connection>(getConnectionToken()).once('close', () => {
      socketAtClose = existsSync(socket);
    });
    await first.app.close();
    expect(socketAtClose).toBe(true);
    expect(existsSync(socket)).toBe(false);

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

      // the same socket, so the app's URI finds it again
      database = await EmbeddedDatabase.start(dataDir);
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
