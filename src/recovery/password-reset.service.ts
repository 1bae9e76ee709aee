import { Inject, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthUser, ClientInfo } from '../common/auth-user';
import { normalizeUsername } from '../common/validation/credential-rules';
import { normalizeEmail } from '../common/validation/email-address';
import { assertAdmin } from '../common/policies';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MailService } from '../mail/mail.service';
import { AccountThrottle } from '../rate-limit/account-throttle.service';
import { SlidingCap } from '../rate-limit/sliding-cap';
import { SecurityEventType } from '../security-events/security-event.schema';
import { SecurityEventsService } from '../security-events/security-events.service';
import { SessionStore } from '../sessions/store/session-store';
import { SessionEndReason } from '../sessions/store/session.schema';
import { PublicUserRecord, UserRecord } from '../users/user.schema';
import { UsersService } from '../users/users.service';
import { ForgotPasswordInput } from './forgot-password.input';
import { OneTimeTokenPurpose } from './one-time-token.schema';
import { OneTimeTokens } from './one-time-tokens';
import {
  HOUR_MS,
  linkTo,
  MAILS_PER_HOUR,
  passwordResetMail,
  RESET_PASSWORD_PATH,
} from './recovery-mails';
import { ResetPasswordInput } from './reset-password.input';

/**
 * Who the mail of a decoy token is addressed to; it is composed and dropped, never sent (and
 * `.invalid` could not be delivered anyway).
 */
const DECOY_RECIPIENT = 'nobody@example.invalid';
const DECOY_USERNAME = 'nobody';

/** What a reset request reads of the account. */
type ResettableUser = PublicUserRecord & Pick<UserRecord, 'credentialVersion'>;

/** Who asked for a reset mail: the account's owner (forgot-password) or an admin. */
interface ResetRequest {
  client: ClientInfo;
  admin?: AuthUser;
}

/**
 * Password reset by a mailed link: forgot-password (anyone, by username or address), an admin's
 * reset for a user, and using the link.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: OneTimeTokens,
    private readonly mail: MailService,
    private readonly cap: SlidingCap,
    private readonly sessions: SessionStore,
    private readonly throttle: AccountThrottle,
    private readonly events: SecurityEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Mails a reset link to the account's verified address if it is enabled. Whether the account
   * exists, has a verified address or is disabled, the caller learns nothing: the answer is the
   * same, and so is the database work (the same reads, cap claim, token insert and event insert;
   * without an account to mail, the token is a decoy nobody holds), and so is the CPU the mail
   * costs to compose (see MailService.composeOnly). The mail goes after the answer.
   */
  async forgot(input: ForgotPasswordInput, client: ClientInfo): Promise<void> {
    const email = input.email === undefined ? undefined : normalizeEmail(input.email);
    const username = input.username ?? '';
    const user =
      email !== undefined
        ? await this.users.findByEmail(email)
        : await this.users.findByUsername(username);
    // an unknown name or address has a cap of its own, so its requests cost what a known one's do
    const capKey =
      user?._id.toHexString() ??
      (email !== undefined ? `email:${email}` : `username:${normalizeUsername(username)}`);
    await this.requestReset(user, capKey, { client });
  }

  /** An admin sends a user the reset mail (the admin never sees the token). */
  async sendByAdmin(caller: AuthUser, userId: string, client: ClientInfo): Promise<void> {
    assertAdmin(caller);
    this.mail.assertCanSend();
    const user = await this.users.getRecord(userId);
    if (typeof user.email !== 'string' || user.emailVerified !== true)
      throw new AppError(ErrorCode.EMAIL_REQUIRED, 'The user has no verified email address');
    const credentialVersion = await this.users.credentialVersionOf(user._id);
    await this.requestReset({ ...user, credentialVersion }, userId, { client, admin: caller });
  }

  /**
   * Uses a reset token: sets the new password (which voids every other reset token: they hold the
   * credential version it moves on), ends every session, clears the account throttle and records
   * `password-reset`. A second factor stays on.
   */
  async reset(input: ResetPasswordInput, client: ClientInfo): Promise<void> {
    const token = await this.tokens.find(OneTimeTokenPurpose.PASSWORD_RESET, input.token);
    const user = token === null ? null : await this.users.findRecord(token.userId.toHexString());
    if (
      token === null ||
      user === null ||
      user.disabled === true ||
      user.email !== token.email ||
      (await this.users.credentialVersionOf(user._id)) !== token.credentialVersion ||
      !(await this.tokens.use(token))
    )
      throw new AppError(ErrorCode.INVALID_TOKEN);
    const userId = user._id.toHexString();
    await this.users.setPassword(userId, input.newPassword);
    const ended = await this.sessions.endAllForUser(
      userId,
      SessionEndReason.PASSWORD_CHANGED,
      client,
    );
    await this.throttle.clear(user.username);
    await this.events.record(
      { type: SecurityEventType.PASSWORD_RESET, userId, actorId: userId, client },
      { endedSessions: ended.length },
    );
  }

  /** The same steps whoever `user` is (see {@link forgot}); capped per `capKey`. */
  private async requestReset(
    user: ResettableUser | null,
    capKey: string,
    { client, admin }: ResetRequest,
  ): Promise<void> {
    if (!(await this.cap.take(`password-reset:${capKey}`, MAILS_PER_HOUR, HOUR_MS))) return;
    const recipient =
      user !== null && user.disabled !== true && user.emailVerified === true
        ? (user.email ?? null)
        : null;
    const ttlSeconds = this.config.mail.passwordResetTtlSeconds;
    const token = await this.tokens.issue(
      OneTimeTokenPurpose.PASSWORD_RESET,
      {
        userId: recipient === null ? null : user!._id,
        email: recipient,
        credentialVersion: user?.credentialVersion ?? 0,
      },
      ttlSeconds,
    );
    await this.events.record({
      type: SecurityEventType.PASSWORD_RESET_REQUESTED,
      userId: user?._id ?? null,
      actorId: admin?.id ?? null,
      client,
    });
    const mail = passwordResetMail(
      recipient ?? DECOY_RECIPIENT,
      recipient === null ? DECOY_USERNAME : user!.username,
      linkTo(this.config.mail.appUrl, RESET_PASSWORD_PATH, token),
      token,
      ttlSeconds,
      client,
      admin !== undefined,
    );
    // Composing a mail costs CPU, which under load shows in every answer's time: without an
    // account to mail, the decoy's mail is composed all the same, and dropped.
    if (recipient === null) this.mail.composeOnly(mail);
    else this.mail.send(mail);
  }
}
