import { JwtService } from '@nestjs/jwt';
import { Types } from 'mongoose';
import { AppError, ErrorCode, MfaRequiredError } from '../common/errors/app-error';
import { AuthUser, Role } from '../common/auth-user';
import { AppConfig } from '../config/app-config';
import { MfaService } from '../mfa/mfa.service';
import { SecurityEventsService } from '../security-events/security-events.service';
import { AccountThrottle } from '../rate-limit/account-throttle.service';
import { EmailVerificationService } from '../recovery/email-verification.service';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { DeviceCookies } from './device-cookies';
import { LogoutScope } from './logout.input';
import { unitTestJwtKeys } from '../tokens/token.fixture';
import { SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { TokenService } from '../tokens/token.service';
import { MetricsService } from '../metrics/metrics.service';

const config = {
  jwt: {
    keys: unitTestJwtKeys,
    accessTtlSeconds: 900,
    issuer: 'i',
    audience: 'a',
  },
  refresh: { ttlSeconds: 3600, reuseGraceSeconds: 10, cookieName: 'refreshToken' },
  freshLoginMaxAgeSeconds: 600,
  mail: { requireEmailVerification: false },
  metrics: { enabled: false },
  admin: { username: 'Root', password: 'irrelevant' },
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
const PRESENTED = 'presented-token';
const BODY_TOKEN = 'body-token';
const SID = new Types.ObjectId().toHexString();
const claims = { userId: user._id.toHexString(), sessionId: SID, amr: ['pwd'] };
const issued = { token: 'next', expiresAt: new Date(), maxAgeSeconds: 42 };

const challenge = {
  id: new Types.ObjectId(),
  userId: user._id,
  username: 'ada',
  credentialVersion: 3,
};

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
      'open' | 'rotate' | 'end' | 'endOthers' | 'endAllForUser' | 'findToken' | 'revokeToken'
    >
  >;
  let users: jest.Mocked<
    Pick<UsersService, 'findRecord' | 'checkPassword' | 'isPasswordOf' | 'setPassword' | 'create'>
  >;
  let mfa: jest.Mocked<
    Pick<MfaService, 'startChallenge' | 'findChallenge' | 'verifyCode' | 'completeChallenge'>
  >;
  const securityEvents = {
    record: jest.fn().mockResolvedValue(undefined),
    sessionRevoked: jest.fn().mockResolvedValue(undefined),
  };
  let service: AuthService;
  let requireEmailVerification: boolean;

  beforeEach(() => {
    requireEmailVerification = false;
    sessions = {
      open: jest.fn().mockResolvedValue({
        kind: 'opened',
        session: { ...claims, refreshToken: issued },
        holder: user,
      }),
      rotate: jest.fn(),
      end: jest.fn().mockResolvedValue(undefined),
      endOthers: jest.fn().mockResolvedValue([]),
      endAllForUser: jest.fn().mockResolvedValue([]),
      findToken: jest.fn(),
      revokeToken: jest.fn().mockResolvedValue(true),
    };
    users = {
      findRecord: jest.fn().mockResolvedValue(user),
      checkPassword: jest.fn().mockResolvedValue(user),
      isPasswordOf: jest.fn().mockResolvedValue(true),
      setPassword: jest.fn().mockResolvedValue(undefined),
      create: jest.fn(),
    };
    mfa = {
      startChallenge: jest.fn().mockResolvedValue('mfa-token'),
      findChallenge: jest.fn().mockResolvedValue(challenge),
      verifyCode: jest.fn().mockResolvedValue(undefined),
      completeChallenge: jest.fn().mockResolvedValue(true),
    };
    service = new AuthService(
      users as unknown as UsersService,
      sessions as unknown as SessionStore,
      tokenService,
      securityEvents as unknown as SecurityEventsService,
      // the throttle's own behaviour is proven end to end (test/hardening/brute-force.e2e-spec.ts)
      {
        check: (_username: string, _ip: string, check: () => Promise<unknown>) => check(),
      } as unknown as AccountThrottle,
      new DeviceCookies(config),
      // only its sign-in step runs here, which reads the configuration alone
      new EmailVerificationService(
        null as never,
        null as never,
        null as never,
        null as never,
        null as never,
        {
          ...config,
          mail: {
            get requireEmailVerification() {
              return requireEmailVerification;
            },
          },
        } as AppConfig,
      ),
      mfa as unknown as MfaService,
      new MetricsService(config),
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
    it('records a failed sign-in under the user the name belongs to', async () => {
      users.checkPassword.mockImplementation((_name, _password, onNamed) => {
        onNamed?.(user);
        return Promise.resolve(null);
      });
      expect(await codeOf(service.signIn({ username: 'ada', password: 'wrong' }, client))).toBe(
        ErrorCode.INVALID_CREDENTIALS,
      );
      expect(securityEvents.record).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'sign-in-failed', userId: user._id }),
      );
      expect(sessions.open).not.toHaveBeenCalled();
    });

    it('opens a password session under the credential version it read, and sets the cookie', async () => {
      const result = await service.signIn({ username: 'ada', password: 'pw' }, client);
      expect(sessions.open).toHaveBeenCalledWith(
        { id: user._id, credentialVersion: 3 },
        ['pwd'],
        client,
      );
      expect(result.cookie).toEqual({ action: 'set', token: 'next', maxAgeSeconds: 42 });
    });

    it.each([
      [SessionEndReason.PASSWORD_CHANGED, ErrorCode.INVALID_CREDENTIALS],
      [SessionEndReason.USER_DELETED, ErrorCode.INVALID_CREDENTIALS],
      [SessionEndReason.USER_DISABLED, ErrorCode.ACCOUNT_DISABLED],
    ] as const)(
      'refuses the sign-in when the session opened was ended again (%s) with %s',
      async (reason, code) => {
        sessions.open.mockResolvedValue({ kind: reason });
        securityEvents.record.mockClear();
        expect(await codeOf(service.signIn({ username: 'ada', password: 'pw' }, client))).toBe(
          code,
        );
        expect(securityEvents.record).not.toHaveBeenCalled();
      },
    );

    it('tells a disabled account only to the right password', async () => {
      users.checkPassword.mockResolvedValue({ ...user, disabled: true });
      expect(await codeOf(service.signIn({ username: 'ada', password: 'pw' }, client))).toBe(
        ErrorCode.ACCOUNT_DISABLED,
      );
      expect(sessions.open).not.toHaveBeenCalled();
    });

    describe('with REQUIRE_EMAIL_VERIFICATION', () => {
      beforeEach(() => {
        requireEmailVerification = true;
      });

      it('refuses an unverified or missing address, only to the right password', async () => {
        for (const found of [
          { ...user, email: 'ada@example.com', emailVerified: false },
          { ...user, email: null },
        ]) {
          users.checkPassword.mockResolvedValue(found);
          expect(await codeOf(service.signIn({ username: 'ada', password: 'pw' }, client))).toBe(
            ErrorCode.EMAIL_NOT_VERIFIED,
          );
        }
        users.checkPassword.mockResolvedValue(null);
        expect(await codeOf(service.signIn({ username: 'ada', password: 'no' }, client))).toBe(
          ErrorCode.INVALID_CREDENTIALS,
        );
        expect(sessions.open).not.toHaveBeenCalled();
      });

      it('tells a disabled account first, and lets a verified one in', async () => {
        users.checkPassword.mockResolvedValue({ ...user, disabled: true, emailVerified: false });
        expect(await codeOf(service.signIn({ username: 'ada', password: 'pw' }, client))).toBe(
          ErrorCode.ACCOUNT_DISABLED,
        );
        users.checkPassword.mockResolvedValue({ ...user, email: 'a@b.co', emailVerified: true });
        await service.signIn({ username: 'ada', password: 'pw' }, client);
        expect(sessions.open).toHaveBeenCalledTimes(1);
      });

      it('exempts the admin ADMIN_USERNAME seeds, and no one else of that role or name', async () => {
        const seeded = { ...user, username: 'root', usernameNormalized: 'root', role: Role.ADMIN };
        users.checkPassword.mockResolvedValue(seeded);
        await service.signIn({ username: 'root', password: 'pw' }, client);
        expect(sessions.open).toHaveBeenCalledTimes(1);
        for (const other of [
          { ...seeded, role: Role.USER },
          { ...seeded, username: 'root2', usernameNormalized: 'root2' },
        ]) {
          users.checkPassword.mockResolvedValue(other);
          expect(await codeOf(service.signIn({ username: 'x', password: 'pw' }, client))).toBe(
            ErrorCode.EMAIL_NOT_VERIFIED,
          );
        }
      });
    });
  });

  describe('two-step sign-in', () => {
    const mfaUser = { ...user, mfaEnabled: true };
    it('answers MFA_REQUIRED with an mfaToken for the right password, opening no session', async () => {
      users.checkPassword.mockResolvedValue(mfaUser);
      const error: unknown = await service
        .signIn({ username: 'ada', password: 'pw' }, client)
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(MfaRequiredError);
      expect((error as AppError).publicFields).toEqual({ mfaToken: 'mfa-token' });
      expect(mfa.startChallenge).toHaveBeenCalledWith(mfaUser, 3);
      expect(sessions.open).not.toHaveBeenCalled();
    });

    it('opens a pwd+mfa session under the credential version of the password check', async () => {
      const result = await service.verifyMfa({ mfaToken: 'mfa-token', code: '123456' }, client);
      expect(mfa.verifyCode).toHaveBeenCalledWith(challenge, '123456', client, undefined);
      expect(sessions.open).toHaveBeenCalledWith(
        { id: user._id, credentialVersion: 3 },
        ['pwd', 'mfa'],
        client,
      );
      expect(result.cookie).toEqual({ action: 'set', token: 'next', maxAgeSeconds: 42 });
      expect(result.device).toBeDefined();
    });

    it.each([
      ['an unknown mfaToken', () => mfa.findChallenge.mockResolvedValue(null)],
      [
        'a user whose factor was turned off',
        () => mfa.verifyCode.mockRejectedValue(new AppError(ErrorCode.INVALID_MFA_TOKEN)),
      ],
      [
        'a challenge another request completed',
        () => mfa.completeChallenge.mockResolvedValue(false),
      ],
    ])('refuses %s with INVALID_MFA_TOKEN', async (_case, arrange) => {
      arrange();
      expect(await codeOf(service.verifyMfa({ mfaToken: 'x', code: '123456' }, client))).toBe(
        ErrorCode.INVALID_MFA_TOKEN,
      );
      expect(sessions.open).not.toHaveBeenCalled();
    });

    it('refuses an account disabled since the password step, once the code is right', async () => {
      sessions.open.mockResolvedValue({ kind: SessionEndReason.USER_DISABLED });
      expect(await codeOf(service.verifyMfa({ mfaToken: 'x', code: '123456' }, client))).toBe(
        ErrorCode.ACCOUNT_DISABLED,
      );
      expect(mfa.verifyCode).toHaveBeenCalled();
    });

    it('leaves the challenge open after a wrong code', async () => {
      mfa.verifyCode.mockRejectedValue(new AppError(ErrorCode.INVALID_MFA_CODE));
      expect(await codeOf(service.verifyMfa({ mfaToken: 'x', code: '000000' }, client))).toBe(
        ErrorCode.INVALID_MFA_CODE,
      );
      expect(mfa.completeChallenge).not.toHaveBeenCalled();
    });
  });

  describe('refresh', () => {
    it('sets the cookie on rotation and keeps it within the grace window', async () => {
      sessions.rotate.mockResolvedValue({
        kind: 'rotated',
        session: claims,
        holder: user,
        refreshToken: issued,
      });
      expect((await service.refresh(PRESENTED, client)).cookie.action).toBe('set');
      sessions.rotate.mockResolvedValue({ kind: 'grace', session: claims, holder: user });
      const grace = await service.refresh(PRESENTED, client);
      expect(grace.cookie.action).toBe('keep');
      expect(grace.value.tokenType).toBe('Bearer');
    });

    it('answers reuse, which the store has already dealt with, as REFRESH_TOKEN_REUSED', async () => {
      sessions.rotate.mockResolvedValue({ kind: 'reused' });
      expect(await codeOf(service.refresh(PRESENTED, client))).toBe(ErrorCode.REFRESH_TOKEN_REUSED);
      expect(sessions.end).not.toHaveBeenCalled();
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
      sessions.findToken.mockResolvedValue({
        id: new Types.ObjectId(),
        userId: user._id.toHexString(),
        sessionId: SID,
      });
      const result = await service.revokeToken(
        caller,
        { bodyToken: BODY_TOKEN, cookieToken: PRESENTED },
        client,
      );
      expect(result.cookie.action).toBe('keep');
      expect(sessions.findToken).toHaveBeenCalledWith(BODY_TOKEN);
    });

    it('needs a token and refuses another user’s token to a non-admin', async () => {
      expect(await codeOf(service.revokeToken(caller, {}, client))).toBe(ErrorCode.TOKEN_REQUIRED);
      sessions.findToken.mockResolvedValue({
        id: new Types.ObjectId(),
        userId: new Types.ObjectId().toHexString(),
        sessionId: SID,
      });
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
      expect(users.isPasswordOf).not.toHaveBeenCalled();
    });

    it('checks the current password, stores the new hash, then ends the other sessions', async () => {
      users.isPasswordOf.mockResolvedValueOnce(false);
      expect(await codeOf(service.changePassword(caller, input, client))).toBe(
        ErrorCode.INVALID_CREDENTIALS,
      );
      await service.changePassword(caller, input, client);
      expect(users.setPassword).toHaveBeenCalledWith(caller.id, 'new password');
      expect(sessions.endOthers).toHaveBeenCalledWith(
        caller.id,
        SID,
        SessionEndReason.PASSWORD_CHANGED,
        client,
      );
      expect(users.setPassword.mock.invocationCallOrder[0]).toBeLessThan(
        sessions.endOthers.mock.invocationCallOrder[0],
      );
    });
  });
});
