import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import type { ThrottlerOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import { normalizeUsername } from '../common/validation/credential-rules';
import { clientInfoOf, extractRequest } from '../common/request-context';
import type { AppConfig } from '../config/app-config';
import type { RateLimitScope } from '../logging/security-log';
import { hashOpaqueToken } from '../tokens/token.service';
import { clientNetworkOf } from './client-network';

const AUTH_RATE_LIMITED = 'authRateLimited';

/**
 * Counts a route or resolver method against AUTH_RATE_LIMIT per (client IP, username) and
 * AUTH_IP_RATE_LIMIT per client IP, instead of API_RATE_LIMIT: the routes that check a password
 * or create an account, and forgot-password.
 */
export const AuthRateLimited = () => SetMetadata(AUTH_RATE_LIMITED, true);

const reflector = new Reflector();

function isAuthAttempt(context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(AUTH_RATE_LIMITED, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}

const WINDOW_MS = 60_000;

/** A throttler named after the scope its refusals are logged under. */
type Throttler = ThrottlerOptions & { name: RateLimitScope };

/**
 * The three limits as named throttlers, each counting one client per minute; a limit of 0 is
 * left out, so with all three 0 nothing is counted and the database is never asked.
 */
export function throttlersOf(config: AppConfig): Throttler[] {
  const throttlers = [
    {
      name: 'api',
      limit: config.apiRateLimit,
      ttl: WINDOW_MS,
      skipIf: isAuthAttempt,
      getTracker: (req) => clientIpOf(req),
    },
    {
      name: 'auth',
      limit: config.authRateLimit,
      ttl: WINDOW_MS,
      skipIf: (context) => !isAuthAttempt(context),
      getTracker: (req, context) => `${clientIpOf(req)}:${attemptOf(context)}`,
    },
    {
      name: 'auth-ip',
      limit: config.authIpRateLimit,
      ttl: WINDOW_MS,
      skipIf: (context) => !isAuthAttempt(context),
      getTracker: (req) => clientNetworkOf(clientIpOf(req)),
    },
  ] satisfies Throttler[];
  return throttlers.filter(({ limit }) => limit > 0);
}

/** The throttler's `req` is the one RateLimitGuard hands it: Express's, for either transport. */
function clientIpOf(req: Record<string, unknown>): string {
  return clientInfoOf(req as unknown as Request).ip;
}

/**
 * What an auth attempt is for: the username of a sign-in or sign-up (the REST body's, or the
 * GraphQL `input`'s), or its `email` when it has none (forgot-password by address, trimmed as
 * addresses are stored), or for a sign-in's second step the pending sign-in its mfaToken stands
 * for (a digest: the token is a secret, and no username has a colon).
 */
function attemptOf(context: ExecutionContext): string {
  const source: unknown =
    context.getType<GqlContextType>() === 'graphql'
      ? GqlExecutionContext.create(context).getArgs<{ input?: unknown }>().input
      : extractRequest(context).body;
  const { username, email, mfaToken } = (source ?? {}) as {
    username?: unknown;
    email?: unknown;
    mfaToken?: unknown;
  };
  if (typeof username === 'string') return normalizeUsername(username.slice(0, 64));
  if (typeof mfaToken === 'string') return `mfa:${hashOpaqueToken(mfaToken)}`;
  return typeof email === 'string' ? email.slice(0, 256).trim().toLowerCase() : '';
}
