import { Inject, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, ClientInfo, Role } from '../common/auth-user';
import { normalizeUsername } from '../common/validation/credential-rules';
import { normalizeEmail } from '../common/validation/email-address';
import { assertFreshLogin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MailService } from '../mail/mail.service';
import { SlidingCap } from '../rate-limit/sliding-cap';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { User } from '../users/user.model';
import { PublicUserRecord, UserRecord } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { OneTimeTokenPurpose } from './one-time-token.schema';
import { OneTimeTokens } from './one-time-tokens';
import {
  emailChangedMail,
  HOUR_MS,
  linkTo,
  MAILS_PER_HOUR,
  verificationMail,
  VERIFY_EMAIL_PATH,
} from './recovery-mails';
import { UpdateMeInput } from './update-me.input';

/**
 * A user's email address: given at sign-up or changed by the user, proven by a mailed token, and
 * (with REQUIRE_EMAIL_VERIFICATION) needed to sign in.
 */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: OneTimeTokens,
    private readonly mail: MailService,
    private readonly cap: SlidingCap,
    private readonly events: SecurityEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The (normalized) address a sign-up gives; with REQUIRE_EMAIL_VERIFICATION one is needed. */
  addressForSignUp(email: string | null | undefined): string | null {
    if (typeof email === 'string') return normalizeEmail(email);
    if (this.config.mail.requireEmailVerification)
      throw new AppError(ErrorCode.VALIDATION_ERROR, 'Validation failed', [
        { field: 'email', message: 'email is required: this server needs verified addresses' },
      ]);
    return null;
  }

  /** After a sign-up that gave an address: its verification mail. */
  async welcome(user: User): Promise<void> {
    if (user.email !== null)
      await this.mailVerification({ id: user.id, username: user.username, email: user.email });
  }

  /**
   * The sign-in step of REQUIRE_EMAIL_VERIFICATION, for a user whose password was right: an
   * account without a verified address is refused, except the admin ADMIN_USERNAME seeds (who
   * could otherwise be locked out of a fresh deployment for good).
   */
  assertMaySignIn(user: UserRecord): void {
    if (!this.config.mail.requireEmailVerification || user.emailVerified === true) return;
    const seeded = this.config.admin?.username;
    const isSeededAdmin =
      seeded !== undefined &&
      user.role === Role.ADMIN &&
      user.usernameNormalized === normalizeUsername(seeded);
    if (!isSeededAdmin) throw new AppError(ErrorCode.EMAIL_NOT_VERIFIED);
  }

  /**
   * Sets, changes or removes the caller's address (fresh login). A new address is unverified and
   * gets a verification mail; a verified old one gets a notice.
   */
  async updateMe(caller: AuthUser, input: UpdateMeInput, client: ClientInfo): Promise<User> {
    assertFreshLogin(caller, this.config.freshLoginMaxAgeSeconds);
    const email = input.email === null ? null : normalizeEmail(input.email);
    const { before, after } = await this.users.setEmail(caller.id, email);
    const previous = before.email ?? null;
    if (previous !== email) {
      await this.events.record({
        type: SecurityEventType.EMAIL_CHANGED,
        userId: caller.id,
        sessionId: caller.sessionId,
        actorId: caller.id,
        client,
      });
      if (email !== null)
        await this.mailVerification({ id: caller.id, username: after.username, email });
      if (previous !== null && before.emailVerified === true)
        this.mail.send(emailChangedMail(previous, before.username, email === null, client));
    }
    return User.from(after, caller);
  }

  /** Mails the caller's unverified address a new link; nothing when it is verified already. */
  async sendVerification(caller: AuthUser): Promise<void> {
    this.mail.assertCanSend();
    const user = await this.users.getRecord(caller.id);
    if (user.email === undefined || user.email === null)
      throw new AppError(ErrorCode.EMAIL_REQUIRED);
    if (user.emailVerified !== true)
      await this.mailVerification({ id: caller.id, username: user.username, email: user.email });
  }

  /** Uses a verification token: the address it was mailed to is verified, if still the user's. */
  async verify(presented: string, client: ClientInfo): Promise<void> {
    const token = await this.tokens.find(OneTimeTokenPurpose.EMAIL_VERIFICATION, presented);
    const user: PublicUserRecord | null =
      token === null ? null : await this.users.findRecord(token.userId.toHexString());
    if (
      token === null ||
      user === null ||
      token.email === null ||
      user.email !== token.email ||
      !(await this.tokens.use(token)) ||
      !(await this.users.markEmailVerified(user._id, token.email))
    )
      throw new AppError(ErrorCode.INVALID_TOKEN);
    await this.events.record({
      type: SecurityEventType.EMAIL_VERIFIED,
      userId: user._id,
      actorId: user._id.toHexString(),
      client,
    });
  }

  /** At most MAILS_PER_HOUR to one address, whoever asks: an address cannot be flooded. */
  private async mailVerification(user: { id: string; username: string; email: string }) {
    if (!(await this.cap.take(`email-verification:${user.email}`, MAILS_PER_HOUR, HOUR_MS))) return;
    const ttlSeconds = this.config.mail.emailVerificationTtlSeconds;
    const token = await this.tokens.issue(
      OneTimeTokenPurpose.EMAIL_VERIFICATION,
      { userId: new Types.ObjectId(user.id), email: user.email, credentialVersion: 0 },
      ttlSeconds,
    );
    const link = linkTo(this.config.mail.appUrl, VERIFY_EMAIL_PATH, token);
    this.mail.send(verificationMail(user.email, user.username, link, token, ttlSeconds));
  }
}
