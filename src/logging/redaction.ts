/**
 * Fields that hold a credential: passwords, tokens and one-time codes as the API receives them,
 * the stored secrets behind them, and the headers that carry them.
 */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'mfaToken',
  'resetToken',
  'verificationToken',
  'tokenHash',
  'code',
  'recoveryCodes',
  'secret',
  'otpauthUrl',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
];

/** Objects that carry what a client sent, where a secret field may sit one or two levels down. */
const CARRIERS = [
  'body',
  'input',
  'variables',
  'query',
  'params',
  'headers',
  'cookies',
  'user',
  'data',
];

/**
 * pino `redact` paths: every secret field at the top of a log object, and in a carrier or one level
 * below it (`body.password`, `variables.input.password`). No path starts with a wildcard: pino would
 * run those over every object of every line, the request line included. Requests and responses
 * never reach a line whole (see `requestSerializers`).
 */
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => [
  `["${field}"]`,
  ...CARRIERS.flatMap((carrier) => [`${carrier}["${field}"]`, `${carrier}.*["${field}"]`]),
]);

/** What takes a secret's place, in fields and in free text. */
export const REDACTED = '[Redacted]';

const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BEARER = /\b(Bearer)\s+[\w.~+/=-]+/gi;
// a value ends where a cookie, a word or a JSON string does
const COOKIE_PAIR = /\b([\w-]*token[\w-]*)=[^;\s"\\]+/gi;
/** Matches every text one of the three patterns above could change (and a few more). */
const MAYBE_CREDENTIAL = /eyJ|bearer|token[\w-]*=/i;

/** Token values the line being written may show (see {@link writeShowing}); empty otherwise. */
let shown: ReadonlySet<string> = new Set();

/**
 * Writes one log line that may show these token values as `name=value`: the development mail
 * line (mail/mail.service.ts), whose link a person follows, is the one place a token may be
 * logged. `write` must log synchronously (pino does): the exception ends when it returns, and any
 * other token in that line, or in any other line, is masked as always.
 */
export function writeShowing(tokens: readonly string[], write: () => void): void {
  shown = new Set(tokens);
  try {
    write();
  } finally {
    shown = new Set();
  }
}

const maskTokenPair = (pair: string, name: string): string =>
  shown.has(pair.slice(name.length + 1)) ? pair : `${name}=${REDACTED}`;

/**
 * Masks credentials in free text, which pino's path-based `redact` cannot see into (messages,
 * stacks): JWTs, bearer values and token cookies (and `?token=` in links). Applied to whole JSON
 * lines, it keeps them valid.
 */
export function scrubCredentials(text: string): string {
  // most log text holds none: one scan instead of three replaces
  if (!MAYBE_CREDENTIAL.test(text)) return text;
  return text
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(COOKIE_PAIR, maskTokenPair);
}
