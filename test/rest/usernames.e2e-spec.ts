import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import { Connection, Model, Types } from 'mongoose';
import { PasswordHasher } from '../../src/users/password-hasher.service';
import { UserDocument } from '../../src/users/user.schema';
import {
  PASSWORD,
  signIn,
  signUp,
  uniqueUsername,
  decodeAccessToken,
} from '../support/auth-helpers';
import { commandsDuring, monitoredDatabaseUri, withFilterKeys } from '../support/database-commands';
import { createTestApp, TestApp } from '../support/test-app';
import { expectError, expectSuccess } from './rest-helpers';

interface UsernameEntry {
  _id: string;
  userId: Types.ObjectId;
}

/** Lookups by username go through the usernames collection (`_id` = normalized name). */
describe('usernames', () => {
  describe('on one app', () => {
    let t: TestApp;
    let connection: Connection;
    beforeAll(async () => {
      t = await createTestApp({ MONGODB_URI: monitoredDatabaseUri() });
      connection = t.app.get<Connection>(getConnectionToken());
    });
    afterAll(() => t.close());

    const entries = () => connection.collection<UsernameEntry>('usernames');
    const postSignUp = (username: string) =>
      t.http.post('/auth/sign-up').send({ username, password: PASSWORD });

    /** Commands on users and usernames while `run` runs: `collection.command filterKeys`. */
    const userLookups = (run: () => Promise<unknown>): Promise<string[]> =>
      commandsDuring(t, run, (event) =>
        ['users', 'usernames'].includes(String(event.command[event.commandName]))
          ? withFilterKeys(event)
          : undefined,
      );

    it('lets exactly one of concurrent sign-ups with one name in different cases win', async () => {
      const username = uniqueUsername('Race');
      const variants = [username, username.toLowerCase(), username.toUpperCase()];
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => postSignUp(variants[i % variants.length])),
      );
      const created = responses.filter((res) => res.status === 201);
      expect(created).toHaveLength(1);
      for (const res of responses.filter((r) => r.status !== 201))
        expectError(res, 409, 'USERNAME_TAKEN');

      const userId = expectSuccess<{ id: string }>(created[0], 201).id;
      const entry = await entries().findOne({ _id: username.toLowerCase() });
      expect(entry?.userId.toHexString()).toBe(userId);
      expect(await connection.collection('users').countDocuments({ _id: entry!.userId })).toBe(1);
    });

    it('signs in whatever the case of the username', async () => {
      const username = uniqueUsername('Mixed.Case');
      const userId = await signUp(t.http, username);
      for (const variant of [username, username.toLowerCase(), username.toUpperCase()]) {
        const session = await signIn(t.http, variant);
        expect(session.userId).toBe(userId);
        // the stored spelling, not the one typed
        expect(decodeAccessToken(session.accessToken).payload.username).toBe(username);
      }
    });

    it('reads users and usernames by primary key only, the same way for known and unknown names', async () => {
      const username = uniqueUsername('Known');
      await signUp(t.http, username);
      const wrongPassword = (name: string) => () =>
        t.http.post('/auth/sign-in').send({ username: name, password: 'not the password' });

      const known = await userLookups(wrongPassword(username));
      const unknown = await userLookups(wrongPassword(uniqueUsername('Unknown')));
      expect(known).toEqual(['usernames.find _id', 'users.find _id']);
      expect(unknown).toEqual(known);
    });

    it('takes over an abandoned entry pointing at no user (a sign-up that crashed between its inserts)', async () => {
      const username = uniqueUsername('Orphan');
      const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
      const missingUser = Types.ObjectId.createFromTime(anHourAgo);
      await entries().insertOne({ _id: username.toLowerCase(), userId: missingUser });
      expectError(
        await t.http.post('/auth/sign-in').send({ username, password: PASSWORD }),
        401,
        'INVALID_CREDENTIALS',
      );

      const userId = expectSuccess<{ id: string }>(await postSignUp(username), 201).id;
      const entry = await entries().findOne({ _id: username.toLowerCase() });
      expect(entry?.userId.toHexString()).toBe(userId);
      expect((await signIn(t.http, username.toUpperCase())).userId).toBe(userId);
    });

    it('does not take over a fresh entry pointing at no user (a sign-up still in flight)', async () => {
      const username = uniqueUsername('InFlight');
      const inFlight = new Types.ObjectId();
      await entries().insertOne({ _id: username.toLowerCase(), userId: inFlight });
      expectError(await postSignUp(username), 409, 'USERNAME_TAKEN');
      const entry = await entries().findOne({ _id: username.toLowerCase() });
      expect(entry?.userId.equals(inFlight)).toBe(true);
    });

    it('repairs the entry of a user written without one when its name is signed up again', async () => {
      // as an instance without the usernames collection would write it
      await t.app.get<Model<UserDocument>>(getModelToken(UserDocument.name)).init();
      const username = uniqueUsername('Legacy');
      const userId = new Types.ObjectId();
      const now = new Date();
      await connection.collection('users').insertOne({
        _id: userId,
        username,
        usernameNormalized: username.toLowerCase(),
        passwordHash: await t.app.get(PasswordHasher).hash(PASSWORD),
        role: 'user',
        createdAt: now,
        updatedAt: now,
      });

      expectError(await postSignUp(username.toUpperCase()), 409, 'USERNAME_TAKEN');
      const entry = await entries().findOne({ _id: username.toLowerCase() });
      expect(entry?.userId.equals(userId)).toBe(true);
      expect((await signIn(t.http, username)).userId).toBe(userId.toHexString());
    });
  });

  describe('on a database from before the usernames collection', () => {
    // one live app at a time: apps in one process share passport's global 'jwt' strategy
    let current: TestApp | undefined;
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('gives existing users their entries at start-up, before the admin seeder looks', async () => {
      current = await createTestApp();
      const mongodbUri = current.config.mongodbUri!;
      const connection = current.app.get<Connection>(getConnectionToken());
      const passwordHash = await current.app.get(PasswordHasher).hash(PASSWORD);
      const signedUp = uniqueUsername('Recent');
      const signedUpId = await signUp(current.http, signedUp);
      const legacy = ['Legacy.One', 'Legacy.Two', 'Old.Admin'].map((name) => ({
        _id: new Types.ObjectId(),
        username: name,
        usernameNormalized: name.toLowerCase(),
        passwordHash,
        role: name === 'Old.Admin' ? 'admin' : 'user',
        createdAt: new Date(),
        updatedAt: new Date(),
      }));
      await connection.collection('users').insertMany(legacy);
      await current.close();

      current = await createTestApp({
        MONGODB_URI: mongodbUri,
        ADMIN_USERNAME: 'old.admin',
        ADMIN_PASSWORD: 'some admin password',
      });
      const entries = await current.app
        .get<Connection>(getConnectionToken())
        .collection<UsernameEntry>('usernames')
        .find()
        .toArray();
      expect(entries.map((entry) => [entry._id, entry.userId.toHexString()]).sort()).toEqual(
        [
          [signedUp.toLowerCase(), signedUpId],
          ...legacy.map((user) => [user.usernameNormalized, user._id.toHexString()]),
        ].sort(),
      );

      expect((await signIn(current.http, 'LEGACY.one')).userId).toBe(legacy[0]._id.toHexString());
      expect((await signIn(current.http, signedUp)).userId).toBe(signedUpId);
      // the seeder found the existing admin (left alone, password kept) rather than creating one
      const admin = await signIn(current.http, 'Old.Admin');
      expect(admin.userId).toBe(legacy[2]._id.toHexString());
      expect(decodeAccessToken(admin.accessToken).payload.role).toBe('admin');
      expectError(
        await current.http
          .post('/auth/sign-up')
          .send({ username: 'legacy.two', password: PASSWORD }),
        409,
        'USERNAME_TAKEN',
      );
    });
  });
});
