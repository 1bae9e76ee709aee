import type { Response } from 'supertest';
import { newSession } from '../support/auth-helpers';
import { captureLogs } from '../support/log-capture';
import { createTestApp, TestApp } from '../support/test-app';

/** A password typed where it does not belong; also a valid GraphQL name, so it lexes as one token. */
const SECRET = 'S3cretPwEcho';

const SIGN_IN = 'mutation($i: SignInInput!) { signIn(input: $i) { tokenType } }';

describe.each(['development', 'production'])('no submitted value comes back (%s)', (nodeEnv) => {
  const { logger, lines } = captureLogs();
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: nodeEnv }, logger);
    token = (await newSession(t.http)).accessToken;
  });
  afterAll(() => t.close());
  beforeEach(() => lines.splice(0));

  /** Neither the answer (`part` of it) nor any log line of the request holds the secret, even cut. */
  function expectNoEcho(res: Response, part: unknown = res.text): void {
    const piece = SECRET.slice(0, 8); // JSON.parse quotes 10 characters around the fault
    expect(JSON.stringify(part)).not.toContain(piece);
    expect(lines.join('\n')).not.toContain(piece);
    expect(lines.length).toBeGreaterThan(0); // the request was logged, without it
  }

  function graphql(body: object): Promise<Response> {
    return t.http
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(body);
  }

  describe('REST', () => {
    it('a password in an unknown field, in a field of the wrong type, or in broken JSON', async () => {
      const bodies: (object | string)[] = [
        { username: 'bob', password: 'x', pasword: SECRET },
        { username: 'bob', password: [SECRET] },
        { username: { $eq: SECRET }, password: 'long enough' },
        `{"username":"bob","password":${SECRET}}`,
        `{"username":"bob","password":"${SECRET}`,
      ];
      for (const body of bodies) {
        for (const path of ['/auth/sign-in', '/auth/sign-up', '/graphql']) {
          const res = await t.http.post(path).set('Content-Type', 'application/json').send(body);
          expect(res.status).toBe(400);
          expectNoEcho(res);
        }
      }
    });

    it('an mfaToken or code at the second step or at enrolment, wrong or of the wrong type', async () => {
      const verifyBodies = [
        { mfaToken: SECRET, code: SECRET },
        { mfaToken: SECRET, code: [SECRET] },
        { mfaToken: [SECRET], code: SECRET, extra: SECRET },
      ];
      for (const body of verifyBodies) {
        const res = await t.http.post('/auth/mfa/verify').send(body);
        expect([400, 401]).toContain(res.status);
        expectNoEcho(res);
      }
      for (const body of [{ code: SECRET }, { code: { $eq: SECRET } }]) {
        const res = await t.http
          .post('/auth/mfa/totp/confirm')
          .set('Authorization', `Bearer ${token}`)
          .send(body);
        expect([400, 409]).toContain(res.status);
        expectNoEcho(res);
      }
    });

    it('a password in the URL: ObjectId, query and unknown or undecodable paths', async () => {
      // the envelope's `path` is the request path by contract; the error and the log hold nothing
      for (const url of [
        `/users/${SECRET}`,
        `/users?limit=${SECRET}&after=${SECRET}`,
        `/${SECRET}`,
        `/users/${SECRET}%E0%A4%A`,
        `/graphql/${SECRET}`,
      ]) {
        const res = await t.http.get(url).set('Authorization', `Bearer ${token}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expectNoEcho(res, res.body.error);
      }
    });
  });

  describe('GraphQL variables', () => {
    it('names the field and the problem only, in message and details', async () => {
      const cases: { query: string; variables: object; field: string; problem: string }[] = [
        {
          query: SIGN_IN,
          variables: { i: { username: 'bob', password: SECRET, x: 1 } },
          field: 'i.x',
          problem: 'unknown field',
        },
        {
          query: SIGN_IN,
          variables: { i: { username: SECRET } },
          field: 'i.password',
          problem: 'required field of type String!',
        },
        {
          query: SIGN_IN,
          variables: { i: { username: 'bob', password: { value: SECRET } } },
          field: 'i.password',
          problem: 'expected type String',
        },
        {
          query: SIGN_IN,
          variables: { i: SECRET },
          field: 'i',
          problem: 'expected type SignInInput',
        },
        {
          query: 'query($l: Int) { users(limit: $l) { id } }',
          variables: { l: SECRET },
          field: 'l',
          problem: 'expected type Int',
        },
        {
          query: 'query($a: ID) { users(after: $a) { id } }',
          variables: { a: { p: SECRET } },
          field: 'a',
          problem: 'expected type ID',
        },
      ];
      for (const { query, variables, field, problem } of cases) {
        const res = await graphql({ query, variables });
        expect(res.status).toBe(400);
        const variable = field.split('.')[0];
        const message = `Variable "$${variable}" at "${field}": ${problem}`;
        expect(res.body.errors).toEqual([
          expect.objectContaining({
            message,
            extensions: {
              code: 'BAD_USER_INPUT',
              errorCode: 'VALIDATION_ERROR',
              details: [{ field, message }],
            },
          }),
        ]);
        expectNoEcho(res);
      }
    });
  });

  describe('GraphQL query text', () => {
    it('literals of the wrong type, default values, syntax errors and the operation name', async () => {
      const bodies: object[] = [
        { query: `{ users(limit: "${SECRET}") { id } }` },
        { query: `{ user(id: { a: "${SECRET}" }) { id } }` },
        {
          query: `mutation { signIn(input: { username: "bob", password: ${SECRET} }) { tokenType } }`,
        },
        {
          query: `mutation { signIn(input: { username: "bob", password: 5, x: "${SECRET}" }) { tokenType } }`,
        },
        { query: `query($l: Int = "${SECRET}") { users(limit: $l) { id } }` },
        {
          query: `mutation { signIn(input: { username: "bob" password "${SECRET}" }) { tokenType } }`,
        },
        { query: `mutation { signIn(input: { username: "bob" ${SECRET} }) { tokenType } }` },
        { query: `{ me { id } } ${SECRET}` },
        { query: `{ me { id } } "${SECRET}"` },
        { query: `{ users(after: "\\u{${SECRET}}") { id } }` },
        { query: '{ me { id } }', operationName: SECRET },
      ];
      for (const body of bodies) {
        const res = await graphql(body);
        expect(res.status).toBe(400);
        expect(res.body.errors.length).toBeGreaterThan(0);
        expectNoEcho(res);
      }
    });

    it('keeps what helps: the expected type, the token kind, the location', async () => {
      const literal = await graphql({ query: `{ users(limit: "${SECRET}") { id } }` });
      expect(literal.body.errors[0]).toMatchObject({
        message: 'Expected value of type "Int".',
        locations: [{ line: 1, column: 16 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
      const syntax = await graphql({
        query: `mutation { signIn(input: { username: "bob" password "${SECRET}" }) { tokenType } }`,
      });
      expect(syntax.body.errors[0]).toMatchObject({
        message: 'Syntax Error: Expected ":", found String.',
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    });
  });
});
