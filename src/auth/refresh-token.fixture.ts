import { Types } from 'mongoose';
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
