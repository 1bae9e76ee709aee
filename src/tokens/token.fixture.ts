import { loadJwtKeys } from '../config/jwt-keys';

/** The HS256 signing keys of unit specs (no key files, no production checks). */
export const unitTestJwtKeys = loadJwtKeys({
  algorithm: 'HS256',
  isProduction: false,
  dataDir: '/nonexistent',
  privateKey: undefined,
  previousPublicKeys: undefined,
  secret: 'unit-test-secret-that-is-long-enough-42',
});
