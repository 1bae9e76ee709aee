import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { accessTokenVerifier } from '../../docs/examples/verify-access-token';
import { newSession, SignedIn, signIn, decodeAccessToken } from '../support/auth-helpers';
import { createTestApp, TestApp, testDatabaseUri } from '../support/test-app';
import { hmacForgery, meStatus, resign } from './rest-helpers';

interface Jwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: string;
  use: string;
}

const ROOT = resolve(__dirname, '../..');

function p256(): { privatePem: string; publicPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicKey,
  };
}

async function jwks(t: TestApp): Promise<Jwk[]> {
  const res = await t.http.get('/.well-known/jwks.json').expect(200);
  return (res.body as { keys: Jwk[] }).keys;
}

/** The app listening on a loopback port, for clients that fetch by URL (jose). */
async function baseUrlOf(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

describe('signing keys (ES256 by default)', () => {
  let t: TestApp;
  let session: SignedIn;
  beforeAll(async () => {
    t = await createTestApp({ SESSION_CHECK_CACHE_SECONDS: '0' });
    session = await newSession(t.http);
  });
  afterAll(() => t.close());

  it('signs with ES256, naming the key by its RFC 7638 thumbprint (computed by jose)', async () => {
    const { header } = decodeAccessToken(session.accessToken);
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    const own = createPublicKey(t.config.jwt.keys.signingKey).export({ format: 'jwk' });
    expect(header.kid).toBe(await calculateJwkThumbprint(own as JWK, 'sha256'));
    const [published] = await jwks(t);
    expect(published.kid).toBe(header.kid);
    expect(await calculateJwkThumbprint(published, 'sha256')).toBe(header.kid);
  });

  it('serves the JWK Set as is: public, JSON, cacheable, public parts only', async () => {
    const res = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(Object.keys(res.body as object)).toEqual(['keys']);
    const [key] = (res.body as { keys: Jwk[] }).keys;
    expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(res.text).not.toMatch(/"d"|PRIVATE/);
    const privateD = t.config.jwt.keys.signingKey.export({ format: 'jwk' }).d!;
    expect(res.text).not.toContain(privateD);
  });

  it('refuses an HS256 token made with the published JWK as its secret', async () => {
    const [published] = await jwks(t);
    for (const secret of [JSON.stringify(published), published.x]) {
      const forged = hmacForgery(session.accessToken, secret);
      expect(decodeAccessToken(forged).header).toMatchObject({ alg: 'HS256', kid: published.kid });
      expect(await meStatus(t.http, forged)).toBe(401);
    }
  });

  describe('the verifier of docs/verifying-tokens.md', () => {
    it('is the code the document shows, character for character', () => {
      const doc = readFileSync(join(ROOT, 'docs/verifying-tokens.md'), 'utf8');
      const snippet = readFileSync(join(ROOT, 'docs/examples/verify-access-token.ts'), 'utf8');
      expect(doc).toContain('```ts\n' + snippet + '```\n');
    });

    it('accepts our tokens through the JWKS URL and refuses forged, foreign and retyped ones', async () => {
      const verify = accessTokenVerifier(
        await baseUrlOf(t),
        t.config.jwt.issuer,
        t.config.jwt.audience,
      );
      const claims = await verify(session.accessToken);
      expect(claims).toMatchObject({
        sub: session.userId,
        username: session.username,
        role: 'user',
        fresh: true,
        iss: t.config.jwt.issuer,
        aud: t.config.jwt.audience,
      });
      const publicPem = createPublicKey(t.config.jwt.keys.signingKey).export({
        format: 'pem',
        type: 'spki',
      });
      const refused = [
        hmacForgery(session.accessToken, publicPem),
        resign(session.accessToken, t.config, { claims: { aud: 'another-app' } }),
        resign(session.accessToken, t.config, { claims: { iss: 'someone-else' } }),
        resign(session.accessToken, t.config, { header: { typ: 'JWT' } }),
        resign(session.accessToken, t.config, {
          claims: { exp: Math.floor(Date.now() / 1000) - 60 },
        }),
      ];
      for (const token of refused) await expect(verify(token)).rejects.toThrow();
      // the control: the same re-signing with nothing changed passes
      await expect(verify(resign(session.accessToken, t.config))).resolves.toBeDefined();
    });
  });
});

describe('key rotation', () => {
  const database = testDatabaseUri();
  const keyA = p256();
  const keyB = p256();
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string>) => {
    const app = await createTestApp({
      MONGODB_URI: database,
      SESSION_CHECK_CACHE_SECONDS: '0',
      ...env,
    });
    apps.push(app);
    return app;
  };
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('keeps tokens of the previous key valid until they expire, and signs new ones with the new key', async () => {
    const before = await start({ JWT_PRIVATE_KEY: keyA.privatePem });
    const session = await newSession(before.http);
    const kidA = decodeAccessToken(session.accessToken).header.kid;
    await before.close();

    // the old private key is gone; its public key moves to JWT_PREVIOUS_PUBLIC_KEYS, one line with \n escapes
    const after = await start({
      JWT_PRIVATE_KEY: keyB.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: keyA.publicPem.replace(/\n/g, '\\n'),
    });
    expect(await meStatus(after.http, session.accessToken)).toBe(200);

    const next = await signIn(after.http, session.username);
    const kidB = decodeAccessToken(next.accessToken).header.kid;
    expect(kidB).not.toBe(kidA);
    expect(kidB).toBe(
      await calculateJwkThumbprint(keyB.publicKey.export({ format: 'jwk' }) as JWK),
    );
    expect((await jwks(after)).map((key) => key.kid)).toEqual([kidB, kidA]);

    // an outside verifier sees both keys too
    const verify = accessTokenVerifier(
      await baseUrlOf(after),
      after.config.jwt.issuer,
      after.config.jwt.audience,
    );
    await expect(verify(session.accessToken)).resolves.toMatchObject({ sub: session.userId });
    await expect(verify(next.accessToken)).resolves.toMatchObject({ sub: session.userId });
    await after.close();

    // once the previous key is removed, its tokens are refused
    const later = await start({ JWT_PRIVATE_KEY: keyB.privatePem });
    expect(await meStatus(later.http, session.accessToken)).toBe(401);
    expect(await meStatus(later.http, next.accessToken)).toBe(200);
  });
});

describe('JWT_ALGORITHM=HS256', () => {
  // passport keeps one 'jwt' strategy per process: the apps here run one after the other
  let esToken: string;
  let hs: TestApp;
  beforeAll(async () => {
    const es = await createTestApp();
    try {
      esToken = (await newSession(es.http)).accessToken;
    } finally {
      await es.close();
    }
    hs = await createTestApp({
      JWT_ALGORITHM: 'HS256',
      JWT_ACCESS_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
      SESSION_CHECK_CACHE_SECONDS: '0',
    });
  });
  afterAll(() => hs?.close());

  it('signs and accepts HS256 tokens without a kid, and publishes an empty key set', async () => {
    const session = await newSession(hs.http);
    expect(decodeAccessToken(session.accessToken).header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(await meStatus(hs.http, session.accessToken)).toBe(200);
    const res = await hs.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body).toEqual({ keys: [] });
  });

  it('refuses ES256 tokens, and HS256 tokens naming a kid', async () => {
    expect(decodeAccessToken(esToken).header.alg).toBe('ES256');
    expect(await meStatus(hs.http, esToken)).toBe(401);
    const session = await newSession(hs.http);
    expect(
      await meStatus(hs.http, resign(session.accessToken, hs.config, { header: { kid: 'k' } })),
    ).toBe(401);
    expect(await meStatus(hs.http, resign(session.accessToken, hs.config))).toBe(200);
  });
});

describe('start-up', () => {
  it('stops a production start without JWT_PRIVATE_KEY with one line naming it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'auth-no-key-'));
    const child = spawn(
      process.execPath,
      // as the tests compile it: with types, so the decorators' metadata is complete
      ['-r', join(ROOT, 'scripts/register-ts-nest.js'), join(ROOT, 'src/main.ts')],
      {
        cwd,
        env: {
          PATH: process.env.PATH,
          TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
          NODE_ENV: 'production',
          DATA_DIR: cwd,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(/^Cannot start: JWT_PRIVATE_KEY is required in production[^\n]*\n$/);
  }, 300_000);
});
