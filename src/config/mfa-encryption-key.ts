import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { readOrCreate } from './generated-secret';

const KEY_BYTES = 32;
const GENERATED_KEY_FILE = 'mfa-encryption-key';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** 32 bytes in base64 or base64url: 43 characters and an optional `=`. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
const RULE = `${KEY_BYTES} bytes, base64 or hex (openssl rand -base64 32)`;

export interface MfaKeySettings {
  isProduction: boolean;
  dataDir: string;
  /** MFA_ENCRYPTION_KEY as set; undefined when unset. */
  value: string | undefined;
}

/**
 * MFA_ENCRYPTION_KEY, the AES-256-GCM key of stored TOTP secrets: required in production, else
 * generated once into DATA_DIR like the signing key. A bad value throws a {@link ConfigError}
 * that does not repeat it.
 */
export function loadMfaEncryptionKey({ isProduction, dataDir, value }: MfaKeySettings): Buffer {
  if (value !== undefined) return parseKey(value.trim(), 'MFA_ENCRYPTION_KEY');
  if (isProduction) throw new ConfigError(`MFA_ENCRYPTION_KEY is required in production (${RULE})`);
  const stored = readOrCreate(dataDir, GENERATED_KEY_FILE, () =>
    randomBytes(KEY_BYTES).toString('base64'),
  );
  return parseKey(stored, join(dataDir, GENERATED_KEY_FILE));
}

function parseKey(value: string, source: string): Buffer {
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value)) return Buffer.from(value, 'base64');
  throw new ConfigError(`${source} must be ${RULE}`);
}
