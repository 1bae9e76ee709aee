import type TestAgent from 'supertest/lib/agent';
import { PASSWORD, signIn, SignedIn, uniqueUsername } from '../support/auth-helpers';

/** An address unique within the run, in the case the test asks for. */
export function uniqueEmail(prefix = 'mail'): string {
  return `${uniqueUsername(prefix)}@example.com`.toLowerCase();
}

/** Signs up with an email address and signs in (a fresh login). */
export async function newSessionWithEmail(
  http: TestAgent,
  email = uniqueEmail(),
  username = uniqueUsername(),
): Promise<SignedIn & { email: string }> {
  await http.post('/auth/sign-up').send({ username, password: PASSWORD, email }).expect(201);
  return { ...(await signIn(http, username)), email };
}

export const bearer = (session: Pick<SignedIn, 'accessToken'>) => ({
  Authorization: `Bearer ${session.accessToken}`,
});

/** The types of a user's security events, newest first. */
export async function eventTypes(
  http: TestAgent,
  userId: string,
  viewer: Pick<SignedIn, 'accessToken'>,
): Promise<string[]> {
  const answer = await http.get(`/users/${userId}/security-events`).set(bearer(viewer)).expect(200);
  return (answer.body.data as { type: string }[]).map((event) => event.type);
}
