import type { ClientInfo } from '../common/auth-user';
import { spokenDuration } from '../config/duration';
import type { Mail } from '../mail/mail.service';
import { deviceOf } from '../sessions/device';

/** Mails of one kind to one account (or address) in any hour: more are skipped without a word. */
export const MAILS_PER_HOUR = 3;
export const HOUR_MS = 3_600_000;

/** The development pages (./pages) serve these paths; a frontend at APP_URL serves them otherwise. */
export const VERIFY_EMAIL_PATH = '/verify-email';
export const RESET_PASSWORD_PATH = '/reset-password';

/** `APP_URL` + path + `?token=…`; the token is base64url, so nothing needs escaping. */
export function linkTo(appUrl: string, path: string, token: string): string {
  return `${appUrl}${path}?token=${token}`;
}

export function verificationMail(
  to: string,
  username: string,
  link: string,
  token: string,
  ttlSeconds: number,
): Mail {
  const lifetime = spokenDuration(ttlSeconds);
  return compose(to, 'Verify your email address', token, [
    `Hello ${username},`,
    `please confirm that ${to} is your email address by opening this link (it works once, for ${lifetime}):`,
    { link },
    'If you did not give this address, ignore this mail.',
  ]);
}

export function passwordResetMail(
  to: string,
  username: string,
  link: string,
  token: string,
  ttlSeconds: number,
  requestedBy: ClientInfo,
  byAdmin: boolean,
): Mail {
  const lifetime = spokenDuration(ttlSeconds);
  return compose(to, 'Reset your password', token, [
    `Hello ${username},`,
    `${byAdmin ? 'an administrator' : 'someone'} asked to reset your password, ${requestedFrom(requestedBy)}. Choose a new password here (the link works once, for ${lifetime}):`,
    { link },
    'Resetting signs you out everywhere. If you did not ask for this, ignore this mail: your password stays as it is.',
  ]);
}

/** To the old address, when an account's verified address was changed or removed. */
export function emailChangedMail(
  to: string,
  username: string,
  removed: boolean,
  changedBy: ClientInfo,
): Mail {
  return compose(to, 'Your email address was changed', undefined, [
    `Hello ${username},`,
    `the email address of your account was ${removed ? 'removed' : 'changed to another address'}, ${requestedFrom(changedBy)}. This address gets no more mail for it.`,
    'If this was not you, reset your password and tell your administrator.',
  ]);
}

function requestedFrom({ ip, userAgent }: ClientInfo): string {
  return `from IP address ${ip} on ${deviceOf(userAgent) ?? 'an unknown device'}`;
}

type Paragraph = string | { link: string };

/** The text part, and an HTML part saying the same with the link as a link. */
function compose(
  to: string,
  subject: string,
  token: string | undefined,
  paragraphs: Paragraph[],
): Mail {
  const text = paragraphs
    .map((paragraph) => (typeof paragraph === 'string' ? paragraph : paragraph.link))
    .join('\n\n');
  const html = paragraphs
    .map((paragraph) =>
      typeof paragraph === 'string'
        ? `<p>${escapeHtml(paragraph)}</p>`
        : `<p><a href="${escapeHtml(paragraph.link)}">${escapeHtml(paragraph.link)}</a></p>`,
    )
    .join('\n');
  return {
    to,
    subject,
    text: `${text}\n`,
    html: `<!doctype html>\n<html><body>\n${html}\n</body></html>\n`,
    tokens: token === undefined ? [] : [token],
  };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}
