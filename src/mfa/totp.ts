import { generateSecret, generateSync, verifySync } from 'otplib';

/** RFC 6238 as authenticator apps do it: HMAC-SHA-1, 6 digits, 30-second steps. */
const ALGORITHM = 'sha1';
const DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** RFC 4226's recommended secret length: 160 bits. */
const SECRET_BYTES = 20;
/** A code is taken for the current step and one step either side (clock drift, slow typing). */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
/** What a TOTP code looks like once spaces are gone (apps show "123 456"). */
const CODE = /^\d{6}$/;

/** A new TOTP secret, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

/**
 * The `otpauth://` URI authenticator apps read (Google Authenticator's key URI format), spelling
 * out the algorithm, digits and period the service uses rather than relying on app defaults.
 */
export function totpUri(issuer: string, username: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(username)}`;
  const parameters = [
    `secret=${secret}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ];
  return `otpauth://totp/${label}?${parameters.join('&')}`;
}

/** `code` without the spaces apps show, when it looks like a TOTP code at all. */
export function totpCandidate(code: string): string | undefined {
  const digits = code.replace(/\s/g, '');
  return CODE.test(digits) ? digits : undefined;
}

/**
 * The time step (RFC 6238's T) whose code `code` is, within one step of `atSeconds`; undefined
 * when it is none of them. Callers refuse a step they accepted before.
 */
export function totpStepOf(
  secret: string | Uint8Array,
  code: string,
  atSeconds: number,
): number | undefined {
  const result = verifySync({
    secret,
    token: code,
    epoch: atSeconds,
    epochTolerance: TOLERANCE_SECONDS,
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
  // the functional API types HOTP's result too, which has no step
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/** The code of `secret` at `atSeconds`, as an authenticator app shows it. */
export function totpCodeAt(secret: string | Uint8Array, atSeconds: number): string {
  return generateSync({
    secret,
    epoch: atSeconds,
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}
