import { PASSWORD, signIn, signUp } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, decodeAccessToken, expectSuccess } from './rest-helpers';

interface UserBody {
  id: string;
  username: string;
  role: string;
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

  it('promotes an existing user of that name (any case) at start-up', async () => {
    const first = await start({});
    const userId = await signUp(first.http, 'Promoted.User');
    const before = await signIn(first.http, 'Promoted.User');
    expect(decodeAccessToken(before.accessToken).payload.role).toBe('user');
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    // the same database, started again with that name as the admin
    const t = await start({
      MONGODB_URI: first.config.mongodbUri!,
      ADMIN_USERNAME: 'promoted.user',
      ADMIN_PASSWORD: 'some admin password',
    });
    // looked at by another user, so the test does not depend on which password the admin keeps
    await signUp(t.http, 'observer');
    const observer = await signIn(t.http, 'observer');
    const user = expectSuccess<UserBody>(
      await t.http.get(`/users/${userId}`).set('Authorization', bearer(observer.accessToken)),
    );
    expect(user).toMatchObject({ id: userId, username: 'Promoted.User', role: 'admin' });
    const users = expectSuccess<UserBody[]>(
      await t.http.get('/users').set('Authorization', bearer(observer.accessToken)),
    );
    expect(users.filter((entry) => entry.role === 'admin').map((entry) => entry.id)).toEqual([
      userId,
    ]);
  });

  it('does nothing when only one of the two is set', async () => {
    const t = await start({ ADMIN_USERNAME: 'lonely.admin' });
    const res = await t.http
      .post('/auth/sign-in')
      .send({ username: 'lonely.admin', password: 'whatever pw' });
    expect(res.status).toBe(401);
  });
});
