import { ExecutionContext } from '@nestjs/common';
import { GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import type { ClientInfo } from './auth-user';
import { unmappedIp } from './ip-address';

/** What every GraphQL resolver receives as its context: the HTTP exchange plus per-request state. */
export interface GraphqlContext {
  req: Request;
  res: Response;
}

function graphqlContext(context: ExecutionContext): GraphqlContext {
  return GqlExecutionContext.create(context).getContext<GraphqlContext>();
}

/** The HTTP request behind a REST call or a GraphQL operation. */
export function extractRequest(context: ExecutionContext): Request {
  return context.getType<GqlContextType>() === 'graphql'
    ? graphqlContext(context).req
    : context.switchToHttp().getRequest<Request>();
}

/** The HTTP response behind a REST call or a GraphQL operation. */
export function extractResponse(context: ExecutionContext): Response {
  return context.getType<GqlContextType>() === 'graphql'
    ? graphqlContext(context).res
    : context.switchToHttp().getResponse<Response>();
}

/**
 * The longest User-Agent kept with a token, session or security event. Real ones run to a few
 * hundred characters, while a header may carry up to 16 KiB: stored whole, every refresh could add
 * 16 KiB to the database, and a page of 1,000 tokens could outgrow the 16 MiB one read returns.
 */
export const MAX_USER_AGENT_LENGTH = 1024;

/**
 * `req.ip` honours `X-Forwarded-For` only when TRUST_PROXY set Express's `trust proxy`. An IPv4
 * client is recorded as IPv4, not as the mapped address a dual-stack socket reports. The
 * User-Agent is kept to its first {@link MAX_USER_AGENT_LENGTH} characters.
 */
export function clientInfoOf(req: Request): ClientInfo {
  return {
    ip: unmappedIp(req.ip ?? req.socket.remoteAddress ?? 'unknown'),
    userAgent: req.get('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
  };
}

/** The refresh cookie, when the client sent one. */
export function refreshCookieOf(req: Request, cookieName: string): string | undefined {
  const value: unknown = (req.cookies as Record<string, unknown> | undefined)?.[cookieName];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
