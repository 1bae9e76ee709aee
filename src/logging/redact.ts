const SECRET_KEY = /authorization|cookie|password|secret|token|hash/i;
/** Keys that merely mention tokens but hold no secret. */
const SAFE_KEYS = new Set(['tokenType', 'tokenId', 'expiresIn']);
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const BEARER = /\b(Bearer)\s+[\w.~+/=-]+/gi;
const COOKIE_PAIR = /\b(refreshToken|[\w-]*token[\w-]*)=[^;\s]+/gi;
/** Matches every text one of the three patterns above could change (and a few more). */
const MAYBE_CREDENTIAL = /eyJ|bearer|token[\w-]*=/i;
export const REDACTED = '[REDACTED]';

/** Masks credentials in free text: JWTs, bearer values and token cookies. */
export function redactText(text: string): string {
  // most log text holds none: one scan instead of three replaces
  if (!MAYBE_CREDENTIAL.test(text)) return text;
  return text
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(COOKIE_PAIR, `$1=${REDACTED}`);
}

/** A copy of `value` with secret-named fields masked and credentials in strings masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return redactText(value.stack ?? value.message);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  // no prototype: a `__proto__` key stays a plain field
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    copy[key] =
      SECRET_KEY.test(key) && !SAFE_KEYS.has(key)
        ? REDACTED
        : redact((value as Record<string, unknown>)[key], depth + 1);
  }
  return copy;
}
