import { newSession } from '../support/auth-helpers';
import { createTestApp, TestApp } from '../support/test-app';

describe('REST smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signs up, signs in and reads /auth/me', async () => {
    const session = await newSession(t.http);
    const me = await t.http
      .get('/auth/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(200);
    expect(me.body).toMatchObject({
      success: true,
      statusCode: 200,
      path: '/auth/me',
      data: { id: session.userId },
    });
  });
});
