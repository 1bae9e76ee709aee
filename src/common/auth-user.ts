export enum Role {
  USER = 'user',
  ADMIN = 'admin',
}

/** How a user proved who they are: the `amr` claim (RFC 8176) of a session's access tokens. */
export enum AuthMethod {
  PASSWORD = 'pwd',
  MFA = 'mfa',
}

/** The caller, as proven by a verified access token whose session is still active. */
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  sessionId: string;
  /** True only for a token issued by a password sign-in. */
  fresh: boolean;
  /** The token's `iat`, in seconds since the epoch. */
  issuedAt: number;
}

/** Who sent a request, as recorded on refresh tokens. */
export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}
