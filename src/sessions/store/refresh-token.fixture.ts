import { Types } from 'mongoose';
import { loadJwtKeys } from '../../config/jwt-keys';
import { RefreshTokenRecord } from './refresh-token.schema';

/** An active stored refresh token for unit specs; `overrides` set what a case is about. */
export function refreshTokenRecord(
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord {
  return {
    _id: new Types.ObjectId(),
    nextId: new Types.ObjectId(),
    tokenHash: 'hash',
    userId: new Types.ObjectId(),
    sessionId: 'session-1',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 3600_000),
    createdByIp: '203.0.113.7',
    userAgent: null,
    revokedAt: null,
    revokedByIp: null,
    revokedReason: null,
    replacedBy: null,
    ...overrides,
  };
}

/** The HS256 signing keys of unit specs (no key files, no production checks). */
export const unitTestJwtKeys = loadJwtKeys({
  algorithm: 'HS256',
  isProduction: false,
  dataDir: '/nonexistent',
  privateKey: undefined,
  previousPublicKeys: undefined,
  secret: 'unit-test-secret-that-is-long-enough-42',
});
