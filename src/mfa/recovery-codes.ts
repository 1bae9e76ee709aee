import { randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 (no i, l, o, u): 5 bits a character, nothing to misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** 12 characters: 60 random bits, above the contract's 50. */
const CODE_LENGTH = 12;
const GROUP_LENGTH = 4;
const NORMALIZED = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

/** A new set of recovery codes, written `xxxx-xxxx-xxxx` to be copied down. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const characters = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(32)]);
    const groups: string[] = [];
    for (let at = 0; at < CODE_LENGTH; at += GROUP_LENGTH)
      groups.push(characters.slice(at, at + GROUP_LENGTH).join(''));
    return groups.join('-');
  });
}

/**
 * A presented recovery code as it is stored: lower case, without the hyphens and spaces people
 * copy along; undefined when it cannot be one.
 */
export function normalizeRecoveryCode(code: string): string | undefined {
  const normalized = code.toLowerCase().replace(/[\s-]/g, '');
  return NORMALIZED.test(normalized) ? normalized : undefined;
}
