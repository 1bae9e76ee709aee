import { newTotpSecret, totpCandidate, totpCodeAt, totpStepOf, totpUri } from './totp';

/** RFC 6238, Appendix B: the SHA-1 seed, 20 ASCII bytes. */
const RFC_SEED = new TextEncoder().encode('12345678901234567890');

describe('TOTP (RFC 6238)', () => {
  // Appendix B lists 8-digit codes; a 6-digit code truncates the same number modulo 10^6, so it
  // is the last six digits of the listed one.
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('at T = %i gives the RFC 6238 SHA-1 code %s (its last six digits)', (time, rfcCode) => {
    expect(totpCodeAt(RFC_SEED, time)).toBe(rfcCode.slice(-6));
  });

  it('accepts the current step and one step either side, answering the step the code is of', () => {
    const secret = newTotpSecret();
    const now = 1_700_000_015;
    const step = Math.floor(now / 30);
    for (const offset of [-1, 0, 1])
      expect(totpStepOf(secret, totpCodeAt(secret, now + offset * 30), now)).toBe(step + offset);
    for (const offset of [-2, 2])
      expect(totpStepOf(secret, totpCodeAt(secret, now + offset * 30), now)).toBeUndefined();
  });

  it('makes 160-bit base32 secrets', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('reads codes as apps show them, and nothing else as a code', () => {
    expect(totpCandidate('123 456')).toBe('123456');
    expect(totpCandidate(' 123456\n')).toBe('123456');
    for (const code of ['12345', '1234567', '12345a', '', '１２３４５６'])
      expect(totpCandidate(code)).toBeUndefined();
  });

  it('writes an otpauth URI with issuer, username, SHA1, 6 digits and 30 s', () => {
    const uri = new URL(totpUri('nest auth', 'ada.lovelace', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/nest auth:ada.lovelace');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      issuer: 'nest auth',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
