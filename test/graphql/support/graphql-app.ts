import type TestAgent from 'supertest/lib/agent';
import type { Env } from '../../../src/config/load-config';
import { SignInDocument, SignUpDocument } from '../../generated/graphql';
import { PASSWORD, refreshCookieFrom, SignedIn, uniqueUsername } from '../../support/auth-helpers';
import { createTestApp, LIMITS_OFF, TestApp } from '../../support/test-app';
import { execute } from './graphql-client';

export const ADMIN_USERNAME = 'graphql.admin';
export const ADMIN_PASSWORD = 'admin password 123';

/**
 * The real app on a fresh database, with an admin. Rate limits are off: these specs send many
 * requests from one IP and are about everything else.
 */
export function createGraphqlApp(env: Env = {}): Promise<TestApp> {
  return createTestApp({
    ...LIMITS_OFF,
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    ...env,
  });
}

/** A session signed in through GraphQL: the same as one signed in through REST. */
export type GraphqlSession = SignedIn;

export async function graphqlSignUp(http: TestAgent, username = uniqueUsername()): Promise<string> {
  const { data, errors } = await execute(http, SignUpDocument, {
    input: { username, password: PASSWORD },
  });
  expect(errors).toBeUndefined();
  return data!.signUp.id;
}

export async function graphqlSignIn(
  http: TestAgent,
  username: string,
  password = PASSWORD,
): Promise<GraphqlSession> {
  const { data, errors, response } = await execute(http, SignInDocument, {
    input: { username, password },
  });
  expect(errors).toBeUndefined();
  const cookie = refreshCookieFrom(response)!;
  return {
    userId: data!.signIn.user.id,
    username,
    accessToken: data!.signIn.accessToken,
    cookie,
    refreshToken: cookie.slice(cookie.indexOf('=') + 1),
  };
}

/** Signs up a new user and signs in, through GraphQL. */
export async function graphqlSession(
  http: TestAgent,
  username = uniqueUsername(),
): Promise<GraphqlSession> {
  await graphqlSignUp(http, username);
  return graphqlSignIn(http, username);
}

export function adminSession(http: TestAgent): Promise<GraphqlSession> {
  return graphqlSignIn(http, ADMIN_USERNAME, ADMIN_PASSWORD);
}
