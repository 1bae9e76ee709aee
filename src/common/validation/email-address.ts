/**
 * The contract's rule for an email address: at most 254 characters, one `@`, a dot in the domain;
 * stored trimmed and lower-cased, so that uniqueness and look-ups ignore case.
 *
 * Only ASCII addresses are taken (an internationalized domain in its `xn--` form): lower-casing
 * and comparing Unicode addresses has no one right answer (look-alike characters, normalization
 * forms), and many mail servers refuse SMTPUTF8. Nothing that could end a mail header (a line
 * break, a quote, `<>`, a comma) passes.
 */
export const EMAIL_MAX_LENGTH = 254;
export const EMAIL_RULE =
  'an ASCII email address of at most 254 characters, with one @ and a dot in the domain';

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** The rule as a pattern, also for the OpenAPI document; spaces around the address are trimmed. */
export const EMAIL_PATTERN = `^\\s*${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+\\s*$`;
const EMAIL = new RegExp(EMAIL_PATTERN);

export function isValidEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= EMAIL_MAX_LENGTH && EMAIL.test(value);
}

/** The stored form: trimmed and lower-cased (ASCII only, see above). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
