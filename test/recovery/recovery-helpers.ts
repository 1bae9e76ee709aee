import { createHash } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import type TestAgent from 'supertest/lib/agent';
import { PASSWORD, signIn, SignedIn, signUp, uniqueUsername } from '../support/auth-helpers';
import { MailTestApp, tokenOfLink } from '../support/mail-server';
import type { TestApp } from '../support/test-app';

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

/**
 * A copy of a stored one-time token whose `_id` (and so its expiry) is `expiresAt`, and the token
 * a client would hold for it: how a test presents an expired token without waiting for one.
 */
export async function tokenCopy(t: TestApp, token: string, expiresAt: Date): Promise<string> {
  const bytes = Buffer.from(token, 'base64url');
  const tokens = t.app.get<Connection>(getConnectionToken()).db!.collection('one_time_tokens');
  const stored = await tokens.findOne({ _id: new Types.ObjectId(bytes.subarray(0, 12)) });
  if (stored === null) throw new Error('no such token stored');
  const selector = Buffer.from(stored._id.id);
  selector.writeUInt32BE(Math.ceil(expiresAt.getTime() / 1000), 0);
  const copy = Buffer.concat([selector, bytes.subarray(12)]).toString('base64url');
  await tokens.insertOne({
    ...stored,
    _id: new Types.ObjectId(selector),
    tokenHash: createHash('sha256').update(copy).digest('hex'),
  });
  return copy;
}

/** How many documents a collection of the app's database holds. */
export function countIn(t: TestApp, collection: string): Promise<number> {
  return t.app.get<Connection>(getConnectionToken()).db!.collection(collection).countDocuments();
}

/** A signed-in user whose address is verified (its verification mail followed). */
export async function verifiedUser(t: MailTestApp): Promise<SignedIn & { email: string }> {
  const session = await newSessionWithEmail(t.http);
  const token = tokenOfLink(await t.mail.nth(session.email), '/verify-email');
  await t.http.post('/auth/email/verify').send({ token }).expect(200);
  return session;
}

/**
 * One account in each state forgot-password must not tell apart: a verified address (mailed), an
 * unverified one, a verified one of a disabled account (disabled by the admin `adminUsername`),
 * and none at all.
 */
export async function accountsInEveryState(t: MailTestApp, adminUsername: string) {
  const mailed = await verifiedUser(t);
  const unverified = await newSessionWithEmail(t.http);
  const disabled = await verifiedUser(t);
  const admin = await signIn(t.http, adminUsername);
  await t.http
    .patch(`/users/${disabled.userId}`)
    .set(bearer(admin))
    .send({ disabled: true })
    .expect(200);
  const withoutAddress = uniqueUsername();
  await signUp(t.http, withoutAddress);
  return { mailed, unverified, disabled, withoutAddress };
}
