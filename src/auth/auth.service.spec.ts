import { JwtService } from '@nestjs/jwt';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/app-error';
import { AuthUser, Role } from '../common/auth-user';
import { AppConfig } from '../config/app-config';
import { SecurityEventsService } from '../security-events/security-events.service';
import { AccountThrottle } from '../rate-limit/account-throttle.service';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { LogoutScope } from './logout.input';
import { PasswordHasher } from '../users/password-hasher.service';
import { refreshTokenRecord, unitTestJwtKeys } from '../sessions/store/refresh-token.fixture';
import { SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { TokenService } from '../tokens/token.service';

const config = {
  jwt: {
    keys: unitTestJwtKeys,
    accessTtlSeconds: 900,
    issuer: 'i',
    audience: 'a',
  },
  refresh: { ttlSeconds: 3600, reuseGraceSeconds: 10, cookieName: 'refreshToken' },
  freshLoginMaxAgeSeconds: 600,
} as unknown as AppConfig;
const client = { ip: '203.0.113.7', userAgent: 'jest' };
const user = {
  _id: new Types.ObjectId(),
  username: 'ada',
  usernameNormalized: 'ada',
  passwordHash: 'hash',
  role: Role.USER,
  credentialVersion: 3,
  createdAt: new Date(),
  updatedAt: new Date(),
};
const tokenService = new TokenService(new JwtService(), config);
const PRESENTED = tokenService.generateRefreshToken(new Types.ObjectId()).token;
const BODY_TOKEN = tokenService.generateRefreshToken(new Types.ObjectId()).token;
const SID = new Types.ObjectId().toHexString();
const issued = { token: 'next', expiresAt: new Date(), maxAgeSeconds: 42 };

const caller: AuthUser = {
  id: user._id.toHexString(),
  username: 'ada',
  role: Role.USER,
  sessionId: SID,
  fresh: true,
  issuedAt: Date.now() / 1000,
};

/** The use cases with the session store and repositories replaced. */
describe(AuthService.name, () => {
  let sessions: jest.Mocked<
    Pick<
      SessionStore,
      'open' | 'rotate' | 'end' | 'endOthers' | 'endAllForUser' | 'findSplitToken' | 'revokeToken'
    >
  >;
  let users: jest.Mocked<
    Pick<
      UsersService,
      | 'findRecord'
      | 'findWithCredentials'
      | 'passwordHashOf'
      | 'setPasswordHash'
      | 'credentialVersionOf'
    >
  >;
  let passwords: jest.Mocked<Pick<PasswordHasher, 'verify' | 'hash'>>;
  const securityEvents = {
    record: jest.fn().mockResolvedValue(undefined),
    sessionRevoked: jest.fn().mockResolvedValue(undefined),
  };
  let service: AuthService;

  beforeEach(() => {
    sessions = {
      open: jest.fn().mockResolvedValue({ sessionId: SID, refreshToken: issued }),
      rotate: jest.fn(),
      end: jest.fn().mockResolvedValue(undefined),
      endOthers: jest.fn().mockResolvedValue([]),
      endAllForUser: jest.fn().mockResolvedValue([]),
      findSplitToken: jest.fn(),
      revokeToken: jest.fn().mockResolvedValue(true),
    };
    users = {
      findRecord: jest.fn().mockResolvedValue(user),
      findWithCredentials: jest.fn().mockResolvedValue(user),
      passwordHashOf: jest.fn().mockResolvedValue('hash'),
      setPasswordHash: jest.fn().mockResolvedValue(undefined),
      credentialVersionOf: jest.fn().mockResolvedValue(user.credentialVersion),
    };
    passwords = {
      verify: jest.fn().mockResolvedValue(true),
      hash: jest.fn().mockResolvedValue('new-hash'),
    };
    service = new AuthService(
      users as unknown as UsersService,
      sessions as unknown as SessionStore,
      tokenService,
      passwords as unknown as PasswordHasher,
      securityEvents as unknown as SecurityEventsService,
      // the throttle's own behaviour is proven end to end (test/hardening/brute-force.e2e-spec.ts)
      {
        check: (_username: string, _ip: string, check: () => Promise<unknown>) => check(),
      } as unknown as AccountThrottle,
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

  describe('signIn', () => {
    it('answers a wrong username exactly like a wrong password, after the same bcrypt work', async () => {
      users.findWithCredentials.mockResolvedValue(null);
      passwords.verify.mockResolvedValue(false);
      expect(
        await codeOf(service.signIn({ username: 'nobody', password: 'whatever1' }, client)),
      ).toBe(ErrorCode.INVALID_CREDENTIALS);
      expect(passwords.verify).toHaveBeenCalledWith('whatever1', undefined);
    });

    it('opens a session under the credential version it read, and sets the cookie', async () => {
      const result = await service.signIn({ username: 'ada', password: 'pw' }, client);
      expect(sessions.open).toHaveBeenCalledWith(user._id, 3, client);
      expect(result.cookie).toEqual({ action: 'set', token: 'next', maxAgeSeconds: 42 });
    });

    it('ends the session it opened when the password changed meanwhile', async () => {
      users.credentialVersionOf.mockResolvedValue(4);
      expect(await codeOf(service.signIn({ username: 'ada', password: 'pw' }, client))).toBe(
        ErrorCode.INVALID_CREDENTIALS,
      );
      expect(sessions.end).toHaveBeenCalledWith(SID, SessionEndReason.PASSWORD_CHANGED, client);
    });
  });

  describe('refresh', () => {
    const ids = { userId: user._id.toHexString(), sessionId: SID };

    it('sets the cookie on rotation and keeps it within the grace window', async () => {
      sessions.rotate.mockResolvedValue({ kind: 'rotated', ...ids, refreshToken: issued });
      expect((await service.refresh(PRESENTED, client)).cookie.action).toBe('set');
      sessions.rotate.mockResolvedValue({ kind: 'grace', ...ids });
      const grace = await service.refresh(PRESENTED, client);
      expect(grace.cookie.action).toBe('keep');
      expect(grace.value.tokenType).toBe('Bearer');
    });

    it('ends the session on reuse', async () => {
      sessions.rotate.mockResolvedValue({ kind: 'reused', ...ids });
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
      expect(sessions.end).toHaveBeenCalledWith(SID, SessionEndReason.REUSE_DETECTED, client);
    });

    it('answers SESSION_EXPIRED past the absolute lifetime and INVALID_REFRESH_TOKEN otherwise', async () => {
      expect(await codeOf(service.refresh(undefined, client))).toBe(
        ErrorCode.INVALID_REFRESH_TOKEN,
      );
      sessions.rotate.mockResolvedValue({ kind: 'expired' });
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(ErrorCode.SESSION_EXPIRED);
      sessions.rotate.mockResolvedValue({ kind: 'invalid' });
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(
        ErrorCode.INVALID_REFRESH_TOKEN,
      );
    });
  });

  describe('revokeToken', () => {
    it('prefers the body token over the cookie token, and keeps the cookie then', async () => {
      sessions.findSplitToken.mockResolvedValue(refreshTokenRecord({ userId: user._id }));
      const result = await service.revokeToken(
        caller,
        { bodyToken: BODY_TOKEN, cookieToken: PRESENTED },
        client,
      );
      expect(result.cookie.action).toBe('keep');
      expect(sessions.findSplitToken).toHaveBeenCalledWith(BODY_TOKEN);
    });

    it('needs a token and refuses another user’s token to a non-admin', async () => {
      expect(await codeOf(service.revokeToken(caller, {}, client))).toBe(ErrorCode.TOKEN_REQUIRED);
      sessions.findSplitToken.mockResolvedValue(refreshTokenRecord());
      expect(await codeOf(service.revokeToken(caller, { cookieToken: PRESENTED }, client))).toBe(
        ErrorCode.FORBIDDEN,
      );
      const result = await service.revokeToken(
        { ...caller, role: Role.ADMIN },
        { cookieToken: PRESENTED },
        client,
      );
      expect(result.cookie.action).toBe('clear');
    });
  });

  describe('logout', () => {
    it('ends the current session, the others or all, with one cookie instruction each', async () => {
      expect((await service.logout(caller, LogoutScope.CURRENT, client)).cookie.action).toBe(
        'clear',
      );
      expect(sessions.end).toHaveBeenCalledWith(SID, SessionEndReason.LOGOUT, client);
      expect((await service.logout(caller, LogoutScope.OTHERS, client)).cookie.action).toBe('keep');
      expect(sessions.endOthers).toHaveBeenCalledWith(
        caller.id,
        SID,
        SessionEndReason.LOGOUT,
        client,
      );
      expect((await service.logout(caller, LogoutScope.ALL, client)).cookie.action).toBe('clear');
      expect(sessions.endAllForUser).toHaveBeenCalledWith(
        caller.id,
        SessionEndReason.LOGOUT,
        client,
      );
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

    it('checks the current password, stores the new hash, then ends the other sessions', async () => {
      passwords.verify.mockResolvedValueOnce(false);
      expect(await codeOf(service.changePassword(caller, input, client))).toBe(
        ErrorCode.INVALID_CREDENTIALS,
      );
      await service.changePassword(caller, input, client);
      expect(users.setPasswordHash).toHaveBeenCalledWith(caller.id, 'new-hash');
      expect(sessions.endOthers).toHaveBeenCalledWith(
        caller.id,
        SID,
        SessionEndReason.PASSWORD_CHANGED,
        client,
      );
      expect(users.setPasswordHash.mock.invocationCallOrder[0]).toBeLessThan(
        sessions.endOthers.mock.invocationCallOrder[0],
      );
    });
  });
});
