import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_VERSION = 'v1';

/**
 * The second factor's secrets at rest, under MFA_ENCRYPTION_KEY: TOTP secrets sealed with
 * AES-256-GCM (the user's id as associated data, so a sealed secret copied onto another user's
 * document does not open), and recovery codes kept as HMAC-SHA-256 digests under a key derived
 * from it, so a database dump alone yields neither a working secret nor a way to test codes.
 */
@Injectable()
export class MfaCrypto {
  private readonly secretKey: Buffer;
  private readonly recoveryCodeKey: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const derive = (purpose: string) =>
      Buffer.from(hkdfSync('sha256', config.mfaEncryptionKey, Buffer.alloc(0), purpose, 32));
    this.secretKey = derive('totp-secret');
    this.recoveryCodeKey = derive('recovery-code');
  }

  /** `v1.<iv>.<ciphertext>.<tag>`, base64url. */
  seal(userId: string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.secretKey, iv).setAAD(Buffer.from(userId));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [SEALED_VERSION, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * The secret `seal` gave `sealed` for this user. Throws when it does not open: another key
   * (MFA_ENCRYPTION_KEY changed) or another user's secret, which no code may pass.
   */
  open(userId: string, sealed: string): string {
    const [version, iv, ciphertext, tag] = sealed.split('.');
    if (version !== SEALED_VERSION || tag === undefined)
      throw new Error('A stored TOTP secret is not in a known format');
    try {
      const decipher = createDecipheriv(CIPHER, this.secretKey, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      })
        .setAAD(Buffer.from(userId))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        `The TOTP secret of user ${userId} does not decrypt: was MFA_ENCRYPTION_KEY changed?`,
      );
    }
  }

  /** The stored form of a (normalized) recovery code of this user. */
  recoveryCodeDigest(userId: string, code: string): string {
    return createHmac('sha256', this.recoveryCodeKey).update(`${userId}:${code}`).digest('hex');
  }

  /** The index of the digest `code` has among `digests`, compared in constant time; -1 if none. */
  findRecoveryCode(userId: string, code: string, digests: readonly string[]): number {
    const presented = Buffer.from(this.recoveryCodeDigest(userId, code), 'hex');
    let found = -1;
    digests.forEach((digest, index) => {
      const stored = Buffer.from(digest, 'hex');
      if (stored.length === presented.length && timingSafeEqual(stored, presented)) found = index;
    });
    return found;
  }
}
