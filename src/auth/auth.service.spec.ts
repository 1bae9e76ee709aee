import { JwtService } from '@nestjs/jwt';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/app-error';
import { AuthUser, Role } from '../common/auth-user';
import { AppConfig } from '../config/app-config';
import { SecurityEventsService } from '../security-events/security-events.service';
import { UsersRepository } from '../users/users.repository';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher.service';
import { refreshTokenRecord } from './refresh-token.fixture';
import { RefreshTokenRecord, RevokedReason } from './refresh-token.schema';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionStatusService } from './session-status.service';
import { SessionsRepository } from './sessions.repository';
import { TokenService } from './token.service';

const GRACE_SECONDS = 10;
const config = {
  jwt: {
    secret: 'unit-test-secret-that-is-long-enough-42',
    accessTtlSeconds: 900,
    issuer: 'i',
    audience: 'a',
  },
  refresh: { ttlSeconds: 3600, reuseGraceSeconds: GRACE_SECONDS, cookieName: 'refreshToken' },
  freshLoginMaxAgeSeconds: 600,
} as AppConfig;
const client = { ip: '203.0.113.7', userAgent: 'jest' };
const user = {
  _id: new Types.ObjectId(),
  username: 'ada',
  role: Role.USER,
  createdAt: new Date(),
  updatedAt: new Date(),
};

const tokenService = new TokenService(new JwtService({ secret: config.jwt.secret }), config);
/** Tokens as this service issues them; the mocked repository decides what they find. */
const PRESENTED = tokenService.generateRefreshToken(new Types.ObjectId()).token;
const BODY_TOKEN = tokenService.generateRefreshToken(new Types.ObjectId()).token;

function tokenRecord(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return refreshTokenRecord({ userId: user._id, ...overrides });
}

const caller: AuthUser = {
  id: user._id.toHexString(),
  username: 'ada',
  role: Role.USER,
  sessionId: 's',
  fresh: true,
  issuedAt: Date.now() / 1000,
};

function rotatedSecondsAgo(
  seconds: number,
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord {
  return tokenRecord({
    revokedAt: new Date(Date.now() - seconds * 1000),
    revokedReason: RevokedReason.ROTATED,
    ...overrides,
  });
}

/** The decisions of AuthService with its repositories replaced; the database-level races are proven by the e2e tests. */
describe(AuthService.name, () => {
  let refreshTokens: jest.Mocked<
    Pick<
      RefreshTokensRepository,
      | 'findByIdAndHash'
      | 'findById'
      | 'insert'
      | 'insertSuccessor'
      | 'markRotated'
      | 'deleteById'
      | 'revokeSession'
      | 'revokeIfActive'
      | 'revokeOtherSessions'
    >
  >;
  let users: jest.Mocked<
    Pick<UsersRepository, 'findById' | 'findByUsername' | 'findPasswordHash' | 'updatePasswordHash'>
  >;
  let passwords: jest.Mocked<Pick<PasswordHasher, 'verify' | 'hash'>>;
  let sessions: jest.Mocked<Pick<SessionStatusService, 'forget'>>;
  const sessionsRepository = {
    create: jest.fn().mockResolvedValue(undefined),
    advanceHead: jest.fn().mockResolvedValue(undefined),
  };
  const securityEvents = {
    record: jest.fn().mockResolvedValue(undefined),
    sessionRevoked: jest.fn().mockResolvedValue(undefined),
  };
  let service: AuthService;

  beforeEach(() => {
    refreshTokens = {
      findByIdAndHash: jest.fn(),
      findById: jest.fn(),
      insert: jest.fn().mockResolvedValue(undefined),
      insertSuccessor: jest.fn().mockResolvedValue(true),
      markRotated: jest.fn().mockResolvedValue(true),
      deleteById: jest.fn().mockResolvedValue(undefined),
      revokeSession: jest.fn().mockResolvedValue(undefined),
      revokeIfActive: jest.fn().mockResolvedValue(true),
      revokeOtherSessions: jest.fn().mockResolvedValue([]),
    };
    users = {
      findById: jest.fn().mockResolvedValue(user),
      findByUsername: jest.fn(),
      findPasswordHash: jest.fn().mockResolvedValue('hash'),
      updatePasswordHash: jest.fn().mockResolvedValue(undefined),
    };
    passwords = { verify: jest.fn(), hash: jest.fn().mockResolvedValue('new-hash') };
    sessions = { forget: jest.fn() };
    service = new AuthService(
      users as unknown as UsersRepository,
      refreshTokens as unknown as RefreshTokensRepository,
      tokenService,
      passwords as unknown as PasswordHasher,
      sessionsRepository as unknown as SessionsRepository,
      sessions as unknown as SessionStatusService,
      securityEvents as unknown as SecurityEventsService,
      config,
    );
  });

  async function codeOf(promise: Promise<unknown>): Promise<ErrorCode> {
    const error: unknown = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }

  describe('refresh', () => {
    it('rotates an active token: successor under its pre-drawn id, parent marked rotated, new cookie', async () => {
      const parent = tokenRecord();
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      const result = await service.refresh(PRESENTED, client);
      expect(refreshTokens.insertSuccessor).toHaveBeenCalledWith(
        expect.objectContaining({ _id: parent.nextId, sessionId: parent.sessionId }),
      );
      expect(refreshTokens.markRotated).toHaveBeenCalledWith(
        parent._id,
        parent.nextId,
        expect.objectContaining({ reason: RevokedReason.ROTATED, byIp: client.ip }),
      );
      expect(result.refreshToken).toEqual(expect.any(String));
      expect(sessionsRepository.advanceHead).toHaveBeenCalledWith(
        parent.sessionId,
        parent._id,
        parent.nextId,
      );
      expect(result.payload.tokenType).toBe('Bearer');
    });

    it('answers a request that lost the rotation race from the grace window, without a new cookie', async () => {
      const parent = tokenRecord();
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.insertSuccessor.mockResolvedValue(false);
      refreshTokens.findById.mockImplementation((id) =>
        Promise.resolve(id.equals(parent._id) ? parent : tokenRecord({ _id: parent.nextId })),
      );
      const result = await service.refresh(PRESENTED, client);
      expect(result.refreshToken).toBeUndefined();
      expect(refreshTokens.markRotated).not.toHaveBeenCalled();
      expect(refreshTokens.revokeSession).not.toHaveBeenCalled();
    });

    it('answers the parent within the grace window while its successor is active', async () => {
      const parent = rotatedSecondsAgo(GRACE_SECONDS - 1);
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.findById.mockResolvedValue(tokenRecord({ _id: parent.nextId }));
      const result = await service.refresh(PRESENTED, client);
      expect(result.refreshToken).toBeUndefined();
      expect(refreshTokens.insertSuccessor).not.toHaveBeenCalled();
    });

    it('treats the parent after the grace window as theft and ends the session', async () => {
      const parent = rotatedSecondsAgo(GRACE_SECONDS + 1);
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.findById.mockResolvedValue(tokenRecord({ _id: parent.nextId }));
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
      expect(refreshTokens.revokeSession).toHaveBeenCalledWith(
        parent.sessionId,
        expect.objectContaining({ reason: RevokedReason.REUSE_DETECTED }),
      );
      expect(sessions.forget).toHaveBeenCalledWith(parent.sessionId);
    });

    it('treats an older ancestor as theft even inside the window (its successor is no longer active)', async () => {
      const grandparent = rotatedSecondsAgo(1);
      refreshTokens.findByIdAndHash.mockResolvedValue(grandparent);
      refreshTokens.findById.mockResolvedValue(rotatedSecondsAgo(0.5, { _id: grandparent.nextId }));
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
      expect(refreshTokens.revokeSession).toHaveBeenCalled();
    });

    it.each([
      RevokedReason.LOGOUT,
      RevokedReason.REVOKED,
      RevokedReason.REUSE_DETECTED,
      RevokedReason.PASSWORD_CHANGED,
    ])(
      'refuses a token revoked for %s as INVALID_REFRESH_TOKEN without touching the session',
      async (reason) => {
        refreshTokens.findByIdAndHash.mockResolvedValue(
          tokenRecord({ revokedAt: new Date(), revokedReason: reason }),
        );
        expect(await codeOf(service.refresh(PRESENTED, client))).toBe(
          ErrorCode.INVALID_REFRESH_TOKEN,
        );
        expect(refreshTokens.revokeSession).not.toHaveBeenCalled();
      },
    );

    it('refuses missing, unknown and expired tokens', async () => {
      expect(await codeOf(service.refresh(undefined, client))).toBe(
        ErrorCode.INVALID_REFRESH_TOKEN,
      );
      refreshTokens.findByIdAndHash.mockResolvedValue(null);
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(
        ErrorCode.INVALID_REFRESH_TOKEN,
      );
      refreshTokens.findByIdAndHash.mockResolvedValue(
        tokenRecord({ expiresAt: new Date(Date.now() - 1) }),
      );
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(
        ErrorCode.INVALID_REFRESH_TOKEN,
      );
    });

    it('drops its successor when the session ended during the rotation', async () => {
      const parent = tokenRecord();
      refreshTokens.findByIdAndHash.mockResolvedValue(parent);
      refreshTokens.markRotated.mockResolvedValue(false);
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(
        ErrorCode.INVALID_REFRESH_TOKEN,
      );
      expect(refreshTokens.deleteById).toHaveBeenCalledWith(parent.nextId);
    });
  });

  describe('revokeToken', () => {
    it('prefers the body token over the cookie token', async () => {
      refreshTokens.findByIdAndHash.mockResolvedValue(tokenRecord());
      const result = await service.revokeToken(
        caller,
        { bodyToken: BODY_TOKEN, cookieToken: PRESENTED },
        client,
      );
      expect(result.cookieRevoked).toBe(false);
      expect(refreshTokens.findByIdAndHash).toHaveBeenCalledWith(
        tokenService.refreshTokenId(BODY_TOKEN),
        tokenService.hashRefreshToken(BODY_TOKEN),
      );
    });

    it('needs a token and refuses another user’s token to a non-admin', async () => {
      expect(await codeOf(service.revokeToken(caller, {}, client))).toBe(ErrorCode.TOKEN_REQUIRED);
      refreshTokens.findByIdAndHash.mockResolvedValue(
        tokenRecord({ userId: new Types.ObjectId() }),
      );
      expect(await codeOf(service.revokeToken(caller, { cookieToken: PRESENTED }, client))).toBe(
        ErrorCode.FORBIDDEN,
      );
      await expect(
        service.revokeToken({ ...caller, role: Role.ADMIN }, { cookieToken: PRESENTED }, client),
      ).resolves.toEqual({ cookieRevoked: true });
    });
  });

  describe('changePassword', () => {
    const input = { currentPassword: 'old password', newPassword: 'new password' };

    it('needs a fresh token no older than FRESH_LOGIN_MAX_AGE', async () => {
      expect(await codeOf(service.changePassword({ ...caller, fresh: false }, input, client))).toBe(
        ErrorCode.FRESH_LOGIN_REQUIRED,
      );
      const old = { ...caller, issuedAt: Date.now() / 1000 - config.freshLoginMaxAgeSeconds - 1 };
      expect(await codeOf(service.changePassword(old, input, client))).toBe(
        ErrorCode.FRESH_LOGIN_REQUIRED,
      );
      expect(passwords.verify).not.toHaveBeenCalled();
    });

    it('checks the current password, stores the new hash and ends the other sessions', async () => {
      passwords.verify.mockResolvedValueOnce(false);
      expect(await codeOf(service.changePassword(caller, input, client))).toBe(
        ErrorCode.INVALID_CREDENTIALS,
      );
      passwords.verify.mockResolvedValueOnce(true);
      refreshTokens.revokeOtherSessions.mockResolvedValue(['other-1', 'other-2']);
      await service.changePassword(caller, input, client);
      expect(users.updatePasswordHash).toHaveBeenCalledWith(caller.id, 'new-hash');
      expect(refreshTokens.revokeOtherSessions).toHaveBeenCalledWith(
        caller.id,
        's',
        expect.objectContaining({ reason: RevokedReason.PASSWORD_CHANGED }),
      );
      expect(sessions.forget).toHaveBeenCalledWith('other-1', 'other-2');
    });
  });

  describe('signIn', () => {
    it('answers a wrong username exactly like a wrong password, after the same bcrypt work', async () => {
      users.findByUsername.mockResolvedValue(null);
      passwords.verify.mockResolvedValue(false);
      expect(
        await codeOf(service.signIn({ username: 'nobody', password: 'whatever1' }, client)),
      ).toBe(ErrorCode.INVALID_CREDENTIALS);
      expect(passwords.verify).toHaveBeenCalledWith('whatever1', undefined);
    });
  });
});
