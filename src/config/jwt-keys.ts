import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { readOrCreate } from './generated-secret';

export const JWT_ALGORITHMS = ['ES256', 'HS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The placeholder `.env.example` shows for JWT_ACCESS_SECRET; production refuses it. */
export const ENV_EXAMPLE_SECRET = 'change-me-to-at-least-32-random-characters';
export const MIN_SECRET_BYTES = 32;

const GENERATED_SECRET_FILE = 'jwt-access-secret';
const GENERATED_PRIVATE_KEY_FILE = 'jwt-es256-private-key.pem';
const P256 = 'prime256v1';

/** A public key as the JWK Set publishes it (RFC 7517/7518); never a private part. */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  /** RFC 7638 thumbprint (SHA-256, base64url) of kty, crv, x, y. */
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/**
 * The access-token keys, imported once at start-up: nothing parses a PEM or a secret per request.
 * With ES256 the verifier looks a token's key up by its `kid`, and with HS256 the one key is filed
 * under "no kid", so a token naming a kid we never issued finds no key either way.
 */
export interface JwtKeys {
  readonly algorithm: JwtAlgorithm;
  /** The EC private key (ES256) or the HMAC secret (HS256). */
  readonly signingKey: KeyObject;
  /** The `kid` new tokens carry; undefined with HS256. */
  readonly signingKeyId: string | undefined;
  readonly verificationKeys: ReadonlyMap<string | undefined, KeyObject>;
  /** Every accepted public key, current first; empty with HS256. */
  readonly jwks: { readonly keys: readonly PublicJwk[] };
}

export interface JwtKeySettings {
  algorithm: JwtAlgorithm;
  isProduction: boolean;
  dataDir: string;
  privateKey: string | undefined;
  previousPublicKeys: string | undefined;
  secret: string | undefined;
}

/** Builds the keys from their settings; the first bad one throws a {@link ConfigError}. */
export function loadJwtKeys(settings: JwtKeySettings): JwtKeys {
  // a set secret is checked whichever algorithm is on: a bad value never waits for a switch
  const secret = settings.secret === undefined ? undefined : checkedSecret(settings);
  if (settings.algorithm === 'HS256') {
    if (settings.previousPublicKeys !== undefined) {
      throw new ConfigError(
        'JWT_PREVIOUS_PUBLIC_KEYS applies only with JWT_ALGORITHM=ES256 (HS256 accepts no other keys)',
      );
    }
    const signingKey = createSecretKey(
      Buffer.from(secret ?? generatedSecret(settings.isProduction, settings.dataDir), 'utf8'),
    );
    return {
      algorithm: 'HS256',
      signingKey,
      signingKeyId: undefined,
      verificationKeys: new Map([[undefined, signingKey]]),
      jwks: { keys: [] },
    };
  }

  const signingKey =
    settings.privateKey === undefined
      ? generatedPrivateKey(settings.isProduction, settings.dataDir)
      : importPrivateKey(settings.privateKey);
  const current = publicJwk(createPublicKey(signingKey));
  const verificationKeys = new Map<string | undefined, KeyObject>([
    [current.kid, createPublicKey(signingKey)],
  ]);
  const keys = [current];
  for (const publicKey of importPreviousKeys(settings.previousPublicKeys ?? '')) {
    const jwk = publicJwk(publicKey);
    if (verificationKeys.has(jwk.kid)) continue;
    verificationKeys.set(jwk.kid, publicKey);
    keys.push(jwk);
  }
  return {
    algorithm: 'ES256',
    signingKey,
    signingKeyId: current.kid,
    verificationKeys,
    jwks: { keys },
  };
}

function checkedSecret({ secret, isProduction }: JwtKeySettings): string {
  const value = secret!;
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(`JWT_ACCESS_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (isProduction && value === ENV_EXAMPLE_SECRET) {
    throw new ConfigError(
      'JWT_ACCESS_SECRET is the .env.example placeholder; production needs a random secret',
    );
  }
  return value;
}

/**
 * A PEM from the environment: `.env` files and container settings often carry it on one line
 * with `\n` escapes, which are turned back into line breaks.
 */
function unescapePem(value: string): string {
  return value.replace(/\\n/g, '\n');
}

function importPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: unescapePem(pem), format: 'pem' });
  } catch {
    throw new ConfigError(
      'JWT_PRIVATE_KEY is not an unencrypted PEM private key (openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt)',
    );
  }
  checkP256('JWT_PRIVATE_KEY', key);
  return key;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** JWT_PREVIOUS_PUBLIC_KEYS: PEM blocks one after the other (line breaks or `\n` escapes between). */
function importPreviousKeys(value: string): KeyObject[] {
  const text = unescapePem(value);
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (text.replace(PEM_BLOCK, '').trim() !== '') {
    throw new ConfigError(
      'JWT_PREVIOUS_PUBLIC_KEYS must be PEM public-key blocks one after the other, and nothing else',
    );
  }
  return blocks.map(([block], index) => {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block, format: 'pem' });
    } catch {
      throw new ConfigError(
        `JWT_PREVIOUS_PUBLIC_KEYS key ${index + 1} of ${blocks.length} is not a PEM public key`,
      );
    }
    checkP256(`JWT_PREVIOUS_PUBLIC_KEYS key ${index + 1} of ${blocks.length}`, key);
    return key;
  });
}

function checkP256(name: string, key: KeyObject): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== P256) {
    const found =
      key.asymmetricKeyType === 'ec' ? `EC ${curve ?? 'unknown curve'}` : key.asymmetricKeyType;
    throw new ConfigError(
      `${name} must be an EC P-256 key for ES256, got ${found ?? 'another kind'}`,
    );
  }
}

function publicJwk(publicKey: KeyObject): PublicJwk {
  const { x, y } = publicKey.export({ format: 'jwk' });
  const members = { crv: 'P-256', kty: 'EC', x: x!, y: y! } as const;
  // RFC 7638: the required members in lexicographic order, no whitespace
  const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  return { kty: 'EC', crv: 'P-256', x: members.x, y: members.y, kid, alg: 'ES256', use: 'sig' };
}

/** Outside production a missing secret is generated once and kept in DATA_DIR, so tokens survive restarts. */
function generatedSecret(isProduction: boolean, dataDir: string): string {
  if (isProduction) {
    throw new ConfigError(
      `JWT_ACCESS_SECRET is required in production with JWT_ALGORITHM=HS256 (at least ${MIN_SECRET_BYTES} random bytes)`,
    );
  }
  return readOrCreate(dataDir, GENERATED_SECRET_FILE, () => randomBytes(48).toString('base64url'));
}

/** Outside production a missing key is generated once and kept in DATA_DIR, like the secret. */
function generatedPrivateKey(isProduction: boolean, dataDir: string): KeyObject {
  if (isProduction) {
    throw new ConfigError(
      'JWT_PRIVATE_KEY is required in production with JWT_ALGORITHM=ES256 (a PEM P-256 private key; see the README, "Signing keys")',
    );
  }
  const pem = readOrCreate(dataDir, GENERATED_PRIVATE_KEY_FILE, () =>
    generateKeyPairSync('ec', { namedCurve: P256 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  );
  try {
    const key = createPrivateKey(pem);
    checkP256(GENERATED_PRIVATE_KEY_FILE, key);
    return key;
  } catch {
    throw new ConfigError(
      `${join(dataDir, GENERATED_PRIVATE_KEY_FILE)} is not a P-256 private key; delete it to generate a new one`,
    );
  }
}
