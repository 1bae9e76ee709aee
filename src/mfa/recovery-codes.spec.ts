import { newRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes';

describe('recovery codes', () => {
  it('makes 10 distinct codes of 60 random bits, grouped for copying', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes)
      expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}$/);
  });

  it('reads a code however it was copied, and nothing else as one', () => {
    const [code] = newRecoveryCodes();
    const bare = code.replace(/-/g, '');
    for (const copied of [code, code.toUpperCase(), bare, ` ${code.replace(/-/g, ' ')} `])
      expect(normalizeRecoveryCode(copied)).toBe(bare);
    for (const other of ['123456', `${bare}0`, bare.slice(1), 'iiii-llll-oooo', ''])
      expect(normalizeRecoveryCode(other)).toBeUndefined();
  });
});
