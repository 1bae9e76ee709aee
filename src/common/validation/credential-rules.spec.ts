import { isValidPassword, isValidUsername, normalizeUsername } from './credential-rules';

describe('credential rules', () => {
  it.each([
    ['abc', true],
    ['a'.repeat(32), true],
    ['Ada.Lovelace_1-x', true],
    ['ab', false],
    ['a'.repeat(33), false],
    ['has space', false],
    ['émile', false],
    ['$ne', false],
  ])('username %j valid: %s', (username, valid) => {
    expect(isValidUsername(username)).toBe(valid);
  });

  it('counts password length in UTF-8 bytes, not characters', () => {
    expect(isValidPassword('a'.repeat(8))).toBe(true);
    expect(isValidPassword('a'.repeat(7))).toBe(false);
    expect(isValidPassword('a'.repeat(72))).toBe(true);
    expect(isValidPassword('a'.repeat(73))).toBe(false);
    // 36 two-byte characters are 72 bytes; one more is 74
    expect(isValidPassword('é'.repeat(36))).toBe(true);
    expect(isValidPassword('é'.repeat(37))).toBe(false);
    // 4 four-byte characters are 16 bytes though only 4 "characters" long... 8 code units
    expect(isValidPassword('😀'.repeat(2))).toBe(true);
  });

  it('rejects non-strings', () => {
    expect(isValidPassword({ $ne: null })).toBe(false);
    expect(isValidUsername(['abc'])).toBe(false);
  });

  it('normalizes usernames for case-insensitive uniqueness', () => {
    expect(normalizeUsername('Ada.Lovelace')).toBe(normalizeUsername('ada.LOVELACE'));
  });
});
