/**
 * What signing and verifying one access token costs, per algorithm, measured in the bench process
 * with the service's own code: TokenService signs; verification is what the passport strategy
 * does (the key TokenService picks by kid, then jsonwebtoken with the same options).
 */
import { generateKeyPairSync } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { TokenService } from '../src/tokens/token.service';
import { Role } from '../src/common/auth-user';
import type { AppConfig } from '../src/config/app-config';
import { JwtAlgorithm, loadJwtKeys } from '../src/config/jwt-keys';
import { percentile } from './stats';

export interface OpCost {
  opsPerSecond: number;
  /** Milliseconds per operation: median and 99th percentile of batch averages. */
  p50: number;
  p99: number;
}

const BATCH = 50;
const CLAIMS = {
  sub: '665f1c2b9d3e4a0012ab34cd',
  username: 'bench-user',
  role: Role.USER,
  sid: '2f8a3c44-7f1e-4d4b-9a0e-1c2d3e4f5a6b',
  fresh: true,
  amr: ['pwd'],
};

function tokenServiceFor(algorithm: JwtAlgorithm): TokenService {
  const keys = loadJwtKeys({
    algorithm,
    isProduction: true,
    dataDir: '/nonexistent',
    privateKey:
      algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString()
        : undefined,
    previousPublicKeys: undefined,
    secret: algorithm === 'HS256' ? 'bench-only-secret-0123456789-abcdefghijklmnop' : undefined,
  });
  const config = {
    jwt: { keys, accessTtlSeconds: 900, issuer: 'nest-auth-service', audience: 'bench' },
  } as AppConfig;
  return new TokenService(new JwtService(), config);
}

function measure(seconds: number, op: () => void): OpCost {
  const batchMs: number[] = [];
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i += 1) op();
    batchMs.push((performance.now() - start) / BATCH);
  }
  const elapsedS = (performance.now() - began) / 1000;
  const sorted = [...batchMs].sort((a, b) => a - b);
  return {
    opsPerSecond: (batchMs.length * BATCH) / elapsedS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** Sign and verify, one after the other, for `seconds` each (after a short warm-up). */
export function measureTokenCost(
  algorithm: JwtAlgorithm,
  seconds: number,
): { sign: OpCost; verify: OpCost } {
  const tokens = tokenServiceFor(algorithm);
  const token = tokens.signAccessToken(CLAIMS).accessToken;
  const verify = (): void => {
    const key = tokens.verificationKey(token);
    if (key === undefined) throw new Error('no verification key');
    jwt.verify(token, key, { ...tokens.verifyOptions, complete: true });
  };
  measure(0.3, () => tokens.signAccessToken(CLAIMS));
  measure(0.3, verify);
  return {
    sign: measure(seconds, () => tokens.signAccessToken(CLAIMS)),
    verify: measure(seconds, verify),
  };
}
