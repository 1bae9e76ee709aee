/** The credential rules of the contract, shared by input validation and configuration. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,32}$/;
export const USERNAME_RULE = '3-32 characters of A-Z a-z 0-9 . _ -';
export const PASSWORD_MIN_BYTES = 8;
/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_RULE = `${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} bytes in UTF-8`;

export function isValidUsername(value: unknown): value is string {
  return typeof value === 'string' && USERNAME_PATTERN.test(value);
}

export function isValidPassword(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes >= PASSWORD_MIN_BYTES && bytes <= PASSWORD_MAX_BYTES;
}

/** Usernames are unique without regard to case. */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}
