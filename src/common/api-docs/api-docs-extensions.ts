import { ApiExtension } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { Role } from '../auth-user';

/**
 * What the Swagger decorators cannot say by themselves: the role a route needs, the next
 * operations its answer leads to (OpenAPI links), and keywords about a whole body. The document
 * builder (src/api-docs.setup.ts) turns these marks into OpenAPI.
 */

/** Kept in the document: tools (the fuzzer, a reviewer) read who may call a route from it. */
export const REQUIRED_ROLE_EXTENSION = 'x-required-role';
/** Turned into `links` on the route's success answer. */
export const LINKS_EXTENSION = 'x-success-links';
/**
 * In a link, the refresh token the linked answer set in its `Set-Cookie` (the builder writes the
 * expression with the configured cookie name).
 */
export const REFRESH_TOKEN_SET_BY_ANSWER = '<refresh token set by this answer>';

/** Documents that only an admin may call the route (its service checks `assertAdmin`). */
export function ApiAdminOnly() {
  return ApiExtension(REQUIRED_ROLE_EXTENSION, Role.ADMIN);
}

export interface ApiLink {
  /** The linked operation, as `METHOD /path` (the builder resolves its operationId). */
  operation: string;
  description: string;
  /** Runtime expressions by parameter name (`path.id`, `cookie.name`, or a bare name). */
  parameters?: Record<string, string>;
  requestBody?: Record<string, string>;
}

/** Documents what a client can do next with the route's success answer, as OpenAPI links. */
export function ApiLinks(links: Record<string, ApiLink>) {
  return ApiExtension(LINKS_EXTENSION, links);
}

/** Links that pass one user id (a runtime expression) as `{id}`: name -> [operation, description]. */
export function userIdLinks(
  id: string,
  links: Record<string, [operation: string, description: string]>,
): Record<string, ApiLink> {
  return Object.fromEntries(
    Object.entries(links).map(([name, [operation, description]]) => [
      name,
      { operation, parameters: { id }, description },
    ]),
  );
}

/** The link of an answer that sets the refresh cookie to revoking that token. */
export const REVOKE_TOKEN_SET_LINK: Record<string, ApiLink> = {
  RevokeToken: {
    operation: 'POST /auth/revoke-token',
    requestBody: { token: REFRESH_TOKEN_SET_BY_ANSWER },
    description: 'Revoke the refresh token this answer set (its owner or an admin)',
  },
};

const bodyKeywords = new Map<string, SchemaObject>();

/**
 * Schema keywords about a whole input class (say `minProperties`), which property decorators
 * cannot express; the builder adds them to the class's component schema.
 */
export function ApiBodyKeywords(keywords: SchemaObject): ClassDecorator {
  return (target) => {
    bodyKeywords.set(target.name, keywords);
  };
}

export function bodyKeywordsOf(schemaName: string): SchemaObject | undefined {
  return bodyKeywords.get(schemaName);
}
