import { createRemoteJWKSet, jwtVerify } from 'jose';

/** The claims of our access tokens (see the API contract, "Access token"). */
export interface AccessTokenClaims {
  sub: string;
  username: string;
  role: 'user' | 'admin';
  sid: string;
  fresh: boolean;
  /** `["pwd"]`, or `["pwd", "mfa"]` when the session started with a second factor. */
  amr: string[];
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  jti: string;
}

/**
 * Makes a verifier for the auth service at `authServiceUrl`. Call it once at start-up: the key set
 * is fetched on first use, cached, and fetched again when a token names a key not seen yet (the
 * auth service rotated its key).
 */
export function accessTokenVerifier(
  authServiceUrl: string,
  issuer = 'nest-auth-service',
  audience = 'nest-auth-service-clients',
): (token: string) => Promise<AccessTokenClaims> {
  const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', authServiceUrl));
  return async (token) => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ['ES256'], // never take the algorithm from the token
      issuer,
      audience,
      typ: 'at+jwt', // refuses ID tokens and other JWTs signed by the same keys
    });
    return payload as unknown as AccessTokenClaims;
  };
}
