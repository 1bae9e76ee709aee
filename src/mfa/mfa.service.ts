import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, ClientInfo } from '../common/auth-user';
import { assertAdmin, assertFreshLogin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Cleanup } from '../database/cleanup';
import { ThrottleSubject, AccountThrottle } from '../rate-limit/account-throttle.service';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { PublicUserRecord } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { MfaCrypto } from './mfa-crypto';
import { RecoveryCodes } from './recovery-codes.model';
import { newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes';
import { MfaRepository, RecoverySet } from './store/mfa.repository';
import { ChallengeFactor, MfaFactorRecord } from './store/mfa.schema';
import { TotpSetup } from './totp-setup.model';
import { newTotpSecret, totpCandidate, totpStepOf, totpUri } from './totp';

const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** A sign-in waiting for its second step (an mfaToken presented back). */
export interface MfaChallenge {
  id: Types.ObjectId;
  userId: Types.ObjectId;
  /** The name the password was checked under: its account throttle counts the codes. */
  username: string;
  /** The credential version the password was checked under. */
  credentialVersion: number;
  /** The factor as the password step found it; null when it was not on. */
  factor: CheckedFactor | null;
}

/** A factor a code is checked against: the user's, as read at some point. */
type CheckedFactor = Pick<MfaFactorRecord, '_id' | 'pending'> & ChallengeFactor;

/** A code found among a factor's: a TOTP time step, or a recovery code of a set. */
type CodeMatch = { totpStep: number } | { recoverySetId: string; index: number };

/** Who presents a code: the throttle it counts under, and who acted, for the security log. */
interface Presenter {
  subject: ThrottleSubject;
  client: ClientInfo;
  /** The signed-in caller (enrolment routes); none in the second step of a sign-in. */
  caller?: AuthUser;
}

/**
 * The second factor (TOTP, RFC 6238, with recovery codes): enrolment and its undoing, and the
 * pieces of the sign-in's second step (AuthService.verifyMfa). A code is checked under the account
 * throttle like a password, and accepted at most once however many requests race with it.
 */
@Injectable()
export class MfaService implements OnModuleInit {
  constructor(
    private readonly store: MfaRepository,
    private readonly users: UsersService,
    private readonly sessions: SessionStore,
    private readonly securityEvents: SecurityEventsService,
    private readonly throttle: AccountThrottle,
    private readonly crypto: MfaCrypto,
    private readonly cleanup: Cleanup,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      name: 'second-factor challenges and claims',
      run: (now) => this.store.deleteExpired(now),
    });
  }

  /** Fresh login. A new secret, pending until confirmed; it replaces a pending one. */
  async setupTotp(caller: AuthUser): Promise<TotpSetup> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    const user = await this.userOf(caller.id);
    if (user.mfaEnabled === true) throw new AppError(ErrorCode.MFA_ALREADY_ENABLED);
    const secret = newTotpSecret();
    await this.store.savePending(user._id, this.crypto.seal(caller.id, secret));
    return { secret, otpauthUrl: totpUri(this.config.jwt.issuer, user.username, secret) };
  }

  /** Fresh login and a current code of the pending secret: turns TOTP on. */
  async confirmTotp(caller: AuthUser, code: string, client: ClientInfo): Promise<RecoveryCodes> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    const user = await this.userOf(caller.id);
    const factor = user.mfaEnabled === true ? null : await this.store.findFactor(user._id);
    if (factor?.pending !== true) throw new AppError(ErrorCode.MFA_SETUP_REQUIRED);
    await this.checkCode(factor._id, factor, code, this.signedIn(caller, client));
    const { recoveryCodes, set } = this.newRecoverySet(caller.id);
    await this.store.activate(user._id, factor.secret, set);
    await this.users.setMfaEnabled(caller.id, true);
    await this.record(SecurityEventType.MFA_ENABLED, caller.id, caller, client);
    return { recoveryCodes };
  }

  /** Fresh login and a code: a new set of recovery codes in place of the old. */
  async regenerateRecoveryCodes(
    caller: AuthUser,
    code: string,
    client: ClientInfo,
  ): Promise<RecoveryCodes> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    const factor = await this.activeFactorOf(caller.id);
    await this.checkCode(factor._id, factor, code, this.signedIn(caller, client));
    const { recoveryCodes, set } = this.newRecoverySet(caller.id);
    await this.store.replaceRecoverySet(factor, set);
    await this.record(SecurityEventType.RECOVERY_CODES_REGENERATED, caller.id, caller, client);
    return { recoveryCodes };
  }

  /** Fresh login and a code: turns the second factor off. */
  async disable(caller: AuthUser, code: string, client: ClientInfo): Promise<void> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    const factor = await this.activeFactorOf(caller.id);
    await this.checkCode(factor._id, factor, code, this.signedIn(caller, client));
    await this.turnOff(factor._id);
    await this.record(SecurityEventType.MFA_DISABLED, caller.id, caller, client);
  }

  /** Admin only: turns a user's second factor off (a lost device) and ends all its sessions. */
  async reset(caller: AuthUser, userId: string, client: ClientInfo): Promise<void> {
    assertAdmin(caller);
    const user = await this.userOf(userId);
    if (user.mfaEnabled !== true) throw new AppError(ErrorCode.MFA_NOT_ENABLED);
    await this.turnOff(user._id);
    await this.sessions.endAllForUser(userId, SessionEndReason.REVOKED, client);
    await this.record(SecurityEventType.MFA_RESET, userId, caller, client);
  }

  /** The user was deleted: its factor and recovery codes go too. */
  async forget(userId: string): Promise<void> {
    await this.store.deleteFactor(new Types.ObjectId(userId));
  }

  /**
   * The mfaToken of MFA_REQUIRED, for a password of `user` checked under `credentialVersion`. The
   * factor is read here, in the step bcrypt makes slow anyway, not in the second.
   */
  async startChallenge(
    user: Pick<PublicUserRecord, '_id' | 'username'>,
    credentialVersion: number,
  ): Promise<string> {
    const factor = await this.store.findFactor(user._id);
    return this.store.openChallenge(
      {
        userId: user._id,
        username: user.username,
        credentialVersion,
        factor:
          factor?.pending === false
            ? {
                secret: factor.secret,
                recoverySetId: factor.recoverySetId,
                recoveryCodeDigests: factor.recoveryCodeDigests,
              }
            : null,
      },
      new Date(Date.now() + CHALLENGE_TTL_MS),
    );
  }

  /** The challenge of an mfaToken, unless it is unknown, expired or completed. */
  async findChallenge(mfaToken: string): Promise<MfaChallenge | null> {
    const challenge = await this.store.findChallenge(mfaToken, new Date());
    // challenges stored before they carried these (5 minutes at most) are signed in again
    if (challenge?.username === undefined || challenge.factor === undefined) return null;
    const { factor } = challenge;
    return {
      id: challenge._id,
      userId: challenge.userId,
      username: challenge.username,
      credentialVersion: challenge.credentialVersion,
      factor: factor === null ? null : { ...factor, _id: challenge.userId, pending: false },
    };
  }

  /** Uses the challenge up: true for exactly one caller, however many race. */
  completeChallenge(challenge: MfaChallenge): Promise<boolean> {
    return this.store.completeChallenge(challenge.id);
  }

  /**
   * A code of the user's second factor, presented in a sign-in's second step: checked under the
   * account throttle of the username the password was checked under (or of its known device,
   * `deviceId`); a wrong one is INVALID_MFA_CODE and an `mfa-failed` event. A factor turned off or
   * set up again since the password step makes the mfaToken INVALID_MFA_TOKEN, whatever the code,
   * and uncounted: the password alone signs in now, or starts a sign-in for the new factor.
   */
  async verifyCode(
    challenge: MfaChallenge,
    code: string,
    client: ClientInfo,
    deviceId: string | undefined,
  ): Promise<void> {
    if (challenge.factor === null) throw new AppError(ErrorCode.INVALID_MFA_TOKEN);
    const subject = { username: challenge.username, deviceId };
    await this.checkCode(challenge.userId, challenge.factor, code, { subject, client });
  }

  /**
   * Accepts `code` for the factor under the throttle, or answers INVALID_MFA_CODE. A factor turned
   * off meanwhile answers MFA_NOT_ENABLED to its signed-in owner; in a second step, one turned off
   * or set up again answers INVALID_MFA_TOKEN (see {@link currentFactor}).
   */
  private async checkCode(
    userId: Types.ObjectId,
    factor: CheckedFactor | null,
    code: string,
    { subject, client, caller }: Presenter,
  ): Promise<void> {
    const accepted = await this.throttle.check(subject, client.ip, async () =>
      factor !== null && (await this.accepts(factor, code, caller)) ? true : null,
    );
    if (accepted !== null) return;
    await this.securityEvents.record({
      type: SecurityEventType.MFA_FAILED,
      userId,
      sessionId: caller?.sessionId ?? null,
      actorId: caller?.id ?? null,
      client,
    });
    throw new AppError(ErrorCode.INVALID_MFA_CODE);
  }

  /**
   * Whether `code` is a current TOTP code of the factor, or one of its unused recovery codes;
   * accepting it uses it up. The factor is read again once the code is used up: a code of a factor
   * set up again, turned off or given new recovery codes since `factor` was read is refused.
   *
   * In a second step (no `caller`), `factor` is the one its password step read, up to 5 minutes
   * ago, so a code that is none of its codes is looked at against the factor as it is now (one
   * read): recovery codes regenerated since are taken as a new sign-in would take them, and a
   * factor turned off or set up again ends the sign-in.
   */
  private async accepts(factor: CheckedFactor, code: string, caller?: AuthUser): Promise<boolean> {
    const match = this.matchOf(factor, code);
    if (match !== undefined) return this.use(match, factor, caller);
    if (caller !== undefined) return false;
    const current = await this.currentFactor(factor, caller);
    if (current.recoverySetId === factor.recoverySetId) return false;
    const currentMatch = this.matchOf(current, code);
    return currentMatch !== undefined && (await this.use(currentMatch, current, caller));
  }

  /** Which of the factor's codes `code` is: a TOTP step, a recovery code, or none. */
  private matchOf(factor: CheckedFactor, code: string): CodeMatch | undefined {
    const userId = factor._id.toHexString();
    const totpCode = totpCandidate(code);
    if (totpCode !== undefined) {
      const secret = this.crypto.open(userId, factor.secret);
      const step = totpStepOf(secret, totpCode, Date.now() / 1000);
      return step === undefined ? undefined : { totpStep: step };
    }
    const recoveryCode = normalizeRecoveryCode(code);
    const setId = factor.recoverySetId;
    if (recoveryCode === undefined || setId === null) return undefined;
    const index = this.crypto.findRecoveryCode(userId, recoveryCode, factor.recoveryCodeDigests);
    return index < 0 ? undefined : { recoverySetId: setId, index };
  }

  /** Uses up the code `match` names, once, if `factor` is still the user's (see {@link accepts}). */
  private async use(match: CodeMatch, factor: CheckedFactor, caller?: AuthUser): Promise<boolean> {
    if ('totpStep' in match) {
      const { totpStep } = match;
      if (!(await this.store.claimTotpStep(factor._id, factor.secret, totpStep)))
        return this.replayed(factor, caller);
      const current = await this.currentFactor(factor, caller);
      return current.secret === factor.secret;
    }
    const { recoverySetId: setId, index } = match;
    if (!(await this.store.claimRecoveryCode(setId, index))) return this.replayed(factor, caller);
    // a use of a set that is gone would outlive it: it is taken back
    const current = await this.currentFactor(factor, caller).catch(async (error: unknown) => {
      await this.store.releaseRecoveryCode(setId, index);
      throw error;
    });
    if (current.recoverySetId === setId) return true;
    await this.store.releaseRecoveryCode(setId, index);
    return false;
  }

  /**
   * A code used before is refused; in a second step whose factor was turned off or set up again
   * since, the sign-in is over first (INVALID_MFA_TOKEN, uncounted), as for any other code.
   */
  private async replayed(factor: CheckedFactor, caller?: AuthUser): Promise<false> {
    if (caller === undefined) await this.currentFactor(factor, caller);
    return false;
  }

  /**
   * The factor as stored now, in the state it was read in (pending or active); otherwise it was
   * turned off meanwhile: MFA_NOT_ENABLED for its signed-in owner. A second step's sign-in is
   * over, INVALID_MFA_TOKEN, once its factor is turned off or set up again (another secret): the
   * password alone signs in now, or starts a sign-in the new factor's codes complete.
   */
  private async currentFactor(factor: CheckedFactor, caller?: AuthUser): Promise<MfaFactorRecord> {
    const current = await this.store.findFactor(factor._id);
    if (caller === undefined) {
      if (current === null || current.pending || current.secret !== factor.secret)
        throw new AppError(ErrorCode.INVALID_MFA_TOKEN);
      return current;
    }
    if (current !== null && current.pending === factor.pending) return current;
    throw new AppError(ErrorCode.MFA_NOT_ENABLED);
  }

  private newRecoverySet(userId: string): { recoveryCodes: string[]; set: RecoverySet } {
    const recoveryCodes = newRecoveryCodes();
    const digests = recoveryCodes.map((code) =>
      this.crypto.recoveryCodeDigest(userId, normalizeRecoveryCode(code)!),
    );
    return { recoveryCodes, set: { id: new Types.ObjectId().toHexString(), digests } };
  }

  /** The flag sign-in reads goes first: a factor left behind by a crash is only replaced later. */
  private async turnOff(userId: Types.ObjectId): Promise<void> {
    await this.users.setMfaEnabled(userId.toHexString(), false);
    await this.store.deleteFactor(userId);
  }

  private async activeFactorOf(userId: string): Promise<MfaFactorRecord> {
    const user = await this.userOf(userId);
    const factor = user.mfaEnabled === true ? await this.store.findFactor(user._id) : null;
    if (factor === null || factor.pending) throw new AppError(ErrorCode.MFA_NOT_ENABLED);
    return factor;
  }

  private async userOf(userId: string): Promise<PublicUserRecord> {
    const user = await this.users.findRecord(userId);
    if (user === null) throw new AppError(ErrorCode.NOT_FOUND, 'User not found');
    return user;
  }

  private signedIn(caller: AuthUser, client: ClientInfo): Presenter {
    return { subject: { username: caller.username }, client, caller };
  }

  private record(type: SecurityEventType, userId: string, actor: AuthUser, client: ClientInfo) {
    return this.securityEvents.record({
      type,
      userId,
      sessionId: actor.id === userId ? actor.sessionId : null,
      actorId: actor.id,
      client,
    });
  }
}
