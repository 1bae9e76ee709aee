import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { MfaCrypto } from './mfa-crypto';

const cryptoWith = (key = randomBytes(32)) =>
  new MfaCrypto({ mfaEncryptionKey: key } as unknown as AppConfig);

const USER = '65a0f1c2b3d4e5f601234567';
const OTHER_USER = '65a0f1c2b3d4e5f601234568';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe(MfaCrypto.name, () => {
  it('seals a TOTP secret so that only its user, under the same key, opens it', () => {
    const key = randomBytes(32);
    const sealed = cryptoWith(key).seal(USER, SECRET);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(cryptoWith(key).open(USER, sealed)).toBe(SECRET);
    expect(() => cryptoWith(key).open(OTHER_USER, sealed)).toThrow(/does not decrypt/);
    expect(() => cryptoWith().open(USER, sealed)).toThrow(/MFA_ENCRYPTION_KEY/);
  });

  it('seals the same secret differently each time (a fresh IV)', () => {
    const crypto = cryptoWith();
    expect(crypto.seal(USER, SECRET)).not.toBe(crypto.seal(USER, SECRET));
  });

  it('refuses a tampered sealed secret', () => {
    const crypto = cryptoWith();
    const [version, iv, ciphertext, tag] = crypto.seal(USER, SECRET).split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      crypto.open(USER, [version, iv, flipped.toString('base64url'), tag].join('.')),
    ).toThrow(/does not decrypt/);
  });

  it('finds a recovery code among digests that depend on the key and the user', () => {
    const crypto = cryptoWith();
    const digests = ['code0', 'code1', 'code2'].map((code) =>
      crypto.recoveryCodeDigest(USER, code),
    );
    expect(crypto.findRecoveryCode(USER, 'code1', digests)).toBe(1);
    expect(crypto.findRecoveryCode(USER, 'code3', digests)).toBe(-1);
    expect(crypto.findRecoveryCode(OTHER_USER, 'code1', digests)).toBe(-1);
    expect(cryptoWith().findRecoveryCode(USER, 'code1', digests)).toBe(-1);
  });
});
