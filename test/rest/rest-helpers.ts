import { createHash, createHmac, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { AppConfig } from '../../src/config/app-config';
import { decodeAccessToken } from '../support/auth-helpers';

export const bearer = (accessToken: string): string => `Bearer ${accessToken}`;

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const OBJECT_ID = /^[0-9a-f]{24}$/;

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The parts every envelope shares, success or error. */
function expectEnvelope(res: Response): void {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body.statusCode).toBe(res.status);
  expect(typeof res.body.path).toBe('string');
  expect(res.body.timestamp).toMatch(ISO_DATE);
  expect(typeof res.headers['x-request-id']).toBe('string');
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

/** Asserts a success envelope with `status` and returns its `data`. */
export function expectSuccess<T = unknown>(res: Response, status = 200): T {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error: undefined });
  expectEnvelope(res);
  expect(res.body.success).toBe(true);
  expect(res.body).toHaveProperty('data');
  const data: T = res.body.data;
  return data;
}

export interface ErrorBody {
  code: string;
  message: string;
  details: { field: string; message: string }[];
}

/** Asserts an error envelope with `status` and `code` and returns its `error`. */
export function expectError(res: Response, status: number, code: string): ErrorBody {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expectEnvelope(res);
  expect(res.body.success).toBe(false);
  expect(res.body).not.toHaveProperty('data');
  expect(typeof res.body.error.message).toBe('string');
  expect(Array.isArray(res.body.error.details)).toBe(true);
  const error: ErrorBody = res.body.error;
  return error;
}

/** A VALIDATION_ERROR naming `field` among its field errors. */
export function expectFieldError(res: Response, field: string): ErrorBody {
  const error = expectError(res, 400, 'VALIDATION_ERROR');
  for (const detail of error.details) {
    expect(Object.keys(detail).sort()).toEqual(['field', 'message']);
    expect(typeof detail.message).toBe('string');
  }
  expect(error.details.map((detail) => detail.field)).toContain(field);
  return error;
}

export interface ResignOptions {
  /** Claims to set; `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** Header fields to set; `undefined` leaves the field out. */
  header?: Record<string, unknown>;
  /** The app's JWT_ALGORITHM unless told otherwise. */
  algorithm?: jwt.Algorithm;
  /** The app's signing key (EC private key or HMAC secret) unless told otherwise. */
  key?: KeyObject | string;
}

function withChanges(
  base: Record<string, unknown>,
  changes: Record<string, unknown> = {},
): Record<string, unknown> {
  const result = { ...base, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete result[key];
  return result;
}

/**
 * Signs `token`'s claims again, changed as asked, with the app's algorithm and key (and the same
 * `kid`) unless told otherwise, so that a rejection proves the one change is refused.
 */
export function resign(token: string, config: AppConfig, options: ResignOptions = {}): string {
  const { header, payload } = decodeAccessToken(token);
  const algorithm = options.algorithm ?? config.jwt.keys.algorithm;
  const claims = withChanges(payload, options.claims);
  return jwt.sign(claims, options.key ?? config.jwt.keys.signingKey, {
    algorithm,
    // jsonwebtoken adds `iat` itself unless told not to
    noTimestamp: !('iat' in claims),
    // jsonwebtoken fills in `typ: JWT` unless the key is present, even as undefined
    header: { ...header, alg: algorithm, ...options.header },
  });
}

/**
 * `token`'s header and claims, changed as asked, HMAC-signed with the raw bytes of `secret`
 * whatever they are (jsonwebtoken refuses to use a public key as an HMAC secret; an attacker's
 * code does not).
 */
export function hmacForgery(
  token: string,
  secret: Buffer | string,
  header: Record<string, unknown> = {},
  algorithm: 'HS256' | 'HS384' | 'HS512' = 'HS256',
): string {
  const decoded = decodeAccessToken(token);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ ...decoded.header, ...header, alg: algorithm })}.${part(decoded.payload)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[algorithm];
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** A fresh P-256 key pair and the RFC 7638 thumbprint of its public key. */
export function newEcKey(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
  return { privateKey, publicKey, kid };
}

/** An unsigned token (`alg: none`) carrying `token`'s claims. */
export function unsigned(token: string): string {
  const { header, payload } = decodeAccessToken(token);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ ...header, alg: 'none' })}.${part(payload)}.`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const newJti = (): string => randomUUID();

export interface RefreshTokenItem {
  id: string;
  createdAt: string;
  expiresAt: string;
  createdByIp: string;
  userAgent: string | null;
  revokedAt: string | null;
  revokedByIp: string | null;
  revokedReason: string | null;
  replacedBy: string | null;
  isExpired: boolean;
  isActive: boolean;
}

/** GET /users/{userId}/refresh-tokens as `accessToken`'s owner sees it. */
export async function listRefreshTokens(
  http: TestAgent,
  userId: string,
  accessToken: string,
): Promise<RefreshTokenItem[]> {
  const res = await http
    .get(`/users/${userId}/refresh-tokens`)
    .set('Authorization', bearer(accessToken));
  return expectSuccess<RefreshTokenItem[]>(res);
}

/** GET /auth/me with `accessToken`: the status tells whether the token (and its session) is accepted. */
export async function meStatus(http: TestAgent, accessToken: string): Promise<number> {
  return (await http.get('/auth/me').set('Authorization', bearer(accessToken))).status;
}
