import { JwtService } from '@nestjs/jwt';
import { Types } from 'mongoose';
import { AppConfig } from '../../config/app-config';
import { refreshTokenRecord, unitTestJwtKeys } from './refresh-token.fixture';
import { RefreshTokenRecord, RevokedReason } from './refresh-token.schema';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionStore } from './session-store';
import { SessionEndReason, SessionRecord } from './session.schema';
import { SessionsRepository } from './sessions.repository';
import { TokenService } from '../../tokens/token.service';

const GRACE_SECONDS = 10;
const TTL_SECONDS = 3600;
const config = {
  jwt: {
    keys: unitTestJwtKeys,
    accessTtlSeconds: 900,
  },
  refresh: { ttlSeconds: TTL_SECONDS, reuseGraceSeconds: GRACE_SECONDS, cookieName: 'rt' },
  sessionCheckCacheSeconds: 0,
  sessionMaxLifetimeSeconds: 30 * 86400,
} as unknown as AppConfig;
const client = { ip: '203.0.113.7', userAgent: 'jest' };
const tokenService = new TokenService(new JwtService(), config);
const PRESENTED = tokenService.generateRefreshToken(new Types.ObjectId()).token;
const userId = new Types.ObjectId();
const sessionId = new Types.ObjectId();

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    _id: sessionId,
    userId,
    createdAt: new Date(),
    absoluteExpiresAt: new Date(Date.now() + 86400_000),
    credentialVersion: 0,
    endedAt: null,
    endedReason: null,
    ...overrides,
  };
}

function token(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return refreshTokenRecord({ userId, sessionId: sessionId.toHexString(), ...overrides });
}

function rotatedSecondsAgo(seconds: number, overrides: Partial<RefreshTokenRecord> = {}) {
  return token({
    revokedAt: new Date(Date.now() - seconds * 1000),
    revokedReason: RevokedReason.ROTATED,
    ...overrides,
  });
}

/** The rotation decisions with the repositories replaced; the database races are proven in e2e. */
describe(SessionStore.name, () => {
  let refreshTokens: jest.Mocked<
    Pick<
      RefreshTokensRepository,
      | 'findByIdAndHash'
      | 'findById'
      | 'insert'
      | 'insertSuccessor'
      | 'markRotated'
      | 'revokeIfActive'
      | 'revokeUnlessRevoked'
    >
  >;
  let sessions: jest.Mocked<
    Pick<
      SessionsRepository,
      'findById' | 'findActivity' | 'setActivity' | 'markEnded' | 'insert' | 'listOpen'
    >
  >;
  let store: SessionStore;

  beforeEach(() => {
    refreshTokens = {
      findByIdAndHash: jest.fn(),
      findById: jest.fn(),
      insert: jest.fn().mockResolvedValue(undefined),
      insertSuccessor: jest.fn().mockResolvedValue(true),
      markRotated: jest.fn().mockResolvedValue(true),
      revokeIfActive: jest.fn().mockResolvedValue(true),
      revokeUnlessRevoked: jest.fn().mockResolvedValue(undefined),
    };
    sessions = {
      findById: jest.fn().mockResolvedValue(session()),
      findActivity: jest.fn().mockResolvedValue(null),
      setActivity: jest.fn().mockResolvedValue(undefined),
      markEnded: jest.fn().mockResolvedValue(true),
      insert: jest.fn().mockResolvedValue(undefined),
      listOpen: jest.fn().mockResolvedValue([]),
    };
    store = new SessionStore(
      sessions as unknown as SessionsRepository,
      refreshTokens as unknown as RefreshTokensRepository,
      tokenService,
      config,
    );
  });

  describe('rotate', () => {
    it('rotates the live token: successor under its pre-drawn id, parent marked, activity moved', async () => {
      const parent = token();
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      const outcome = await store.rotate(PRESENTED, client);
      expect(outcome.kind).toBe('rotated');
      expect(refreshTokens.insertSuccessor).toHaveBeenCalledWith(
        expect.objectContaining({ _id: parent.nextId, sessionId: parent.sessionId }),
      );
      expect(refreshTokens.markRotated).toHaveBeenCalledWith(
        parent._id,
        parent.nextId,
        expect.objectContaining({ reason: RevokedReason.ROTATED, byIp: client.ip }),
      );
      expect(sessions.setActivity).toHaveBeenCalledWith(
        expect.objectContaining({ _id: sessionId, tokenId: parent.nextId }),
      );
    });

    it('never issues a token past the absolute lifetime', async () => {
      refreshTokens.findByIdAndHash.mockResolvedValue(token());
      const absoluteExpiresAt = new Date(Date.now() + 60_000);
      sessions.findById.mockResolvedValue(session({ absoluteExpiresAt }));
      const outcome = await store.rotate(PRESENTED, client);
      if (outcome.kind !== 'rotated') throw new Error(outcome.kind);
      expect(outcome.refreshToken.expiresAt.getTime()).toBeLessThanOrEqual(
        absoluteExpiresAt.getTime(),
      );
      expect(outcome.refreshToken.maxAgeSeconds).toBeLessThanOrEqual(60);
    });

    it('answers expired after the absolute lifetime, whatever the token', async () => {
      refreshTokens.findByIdAndHash.mockResolvedValue(token());
      sessions.findById.mockResolvedValue(session({ absoluteExpiresAt: new Date(Date.now() - 1) }));
      expect((await store.rotate(PRESENTED, client)).kind).toBe('expired');
      expect(refreshTokens.insertSuccessor).not.toHaveBeenCalled();
    });

    it('answers a request that lost the rotation race from the grace window', async () => {
      const parent = token();
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.insertSuccessor.mockResolvedValue(false);
      refreshTokens.findById.mockImplementation((id) =>
        Promise.resolve(id.equals(parent._id) ? parent : token({ _id: parent.nextId })),
      );
      expect((await store.rotate(PRESENTED, client)).kind).toBe('grace');
      expect(refreshTokens.markRotated).not.toHaveBeenCalled();
    });

    it('answers the parent within the grace window while its successor is live', async () => {
      const parent = rotatedSecondsAgo(GRACE_SECONDS - 1);
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.findById.mockResolvedValue(token({ _id: parent.nextId }));
      expect((await store.rotate(PRESENTED, client)).kind).toBe('grace');
      expect(refreshTokens.insertSuccessor).not.toHaveBeenCalled();
    });

    it('calls the parent after the grace window reuse', async () => {
      const parent = rotatedSecondsAgo(GRACE_SECONDS + 1);
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.findById.mockResolvedValue(token({ _id: parent.nextId }));
      expect((await store.rotate(PRESENTED, client)).kind).toBe('reused');
    });

    it('calls an older ancestor reuse even inside the window', async () => {
      const grandparent = rotatedSecondsAgo(1);
      refreshTokens.findByIdAndHash.mockResolvedValue(grandparent);
      refreshTokens.findById.mockResolvedValue(rotatedSecondsAgo(0.5, { _id: grandparent.nextId }));
      expect((await store.rotate(PRESENTED, client)).kind).toBe('reused');
    });

    it.each([RevokedReason.LOGOUT, RevokedReason.REVOKED, RevokedReason.PASSWORD_CHANGED])(
      'refuses a token revoked for %s',
      async (reason) => {
        refreshTokens.findByIdAndHash.mockResolvedValue(
          token({ revokedAt: new Date(), revokedReason: reason }),
        );
        expect((await store.rotate(PRESENTED, client)).kind).toBe('invalid');
      },
    );

    it('refuses unknown and expired tokens, and tokens of ended or foreign sessions', async () => {
      refreshTokens.findByIdAndHash.mockResolvedValue(null);
      expect((await store.rotate(PRESENTED, client)).kind).toBe('invalid');
      refreshTokens.findByIdAndHash.mockResolvedValue(
        token({ expiresAt: new Date(Date.now() - 1) }),
      );
      expect((await store.rotate(PRESENTED, client)).kind).toBe('invalid');
      refreshTokens.findByIdAndHash.mockResolvedValue(token());
      sessions.findById.mockResolvedValue(session({ endedAt: new Date() }));
      expect((await store.rotate(PRESENTED, client)).kind).toBe('invalid');
      sessions.findById.mockResolvedValue(session({ userId: new Types.ObjectId() }));
      expect((await store.rotate(PRESENTED, client)).kind).toBe('invalid');
      expect(refreshTokens.insertSuccessor).not.toHaveBeenCalled();
    });

    it('revokes its own successor when the session ended while it rotated', async () => {
      const parent = token();
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      sessions.findById
        .mockResolvedValueOnce(session())
        .mockResolvedValueOnce(
          session({ endedAt: new Date(), endedReason: SessionEndReason.LOGOUT }),
        );
      expect((await store.rotate(PRESENTED, client)).kind).toBe('invalid');
      expect(refreshTokens.revokeUnlessRevoked).toHaveBeenCalledWith(
        parent.nextId,
        expect.objectContaining({ reason: RevokedReason.LOGOUT }),
      );
    });
  });

  describe('end', () => {
    it('marks the session ended before it revokes the live token it finds', async () => {
      const tokenId = new Types.ObjectId();
      const order: string[] = [];
      sessions.markEnded.mockImplementation(() => {
        order.push('markEnded');
        return Promise.resolve(true);
      });
      sessions.findActivity.mockImplementation(() => {
        order.push('findActivity');
        return Promise.resolve({
          _id: sessionId,
          tokenId,
          lastUsedAt: new Date(),
          expiresAt: new Date(),
          ip: client.ip,
          userAgent: null,
        });
      });
      await store.end(sessionId.toHexString(), SessionEndReason.REUSE_DETECTED, client);
      expect(order).toEqual(['markEnded', 'findActivity']);
      expect(refreshTokens.revokeUnlessRevoked).toHaveBeenCalledWith(
        tokenId,
        expect.objectContaining({ reason: RevokedReason.REUSE_DETECTED }),
      );
    });
  });

  describe('isActive', () => {
    it('accepts only the session of the token’s own user, open and within its lifetime', async () => {
      const sid = sessionId.toHexString();
      expect(await store.isActive(sid, userId.toHexString())).toBe(true);
      expect(await store.isActive(sid, new Types.ObjectId().toHexString())).toBe(false);
      sessions.findById.mockResolvedValue(session({ absoluteExpiresAt: new Date(Date.now() - 1) }));
      expect(await store.isActive(sid, userId.toHexString())).toBe(false);
      sessions.findById.mockResolvedValue(session({ endedAt: new Date() }));
      expect(await store.isActive(sid, userId.toHexString())).toBe(false);
      expect(await store.isActive('not-an-object-id', userId.toHexString())).toBe(false);
    });
  });
});
