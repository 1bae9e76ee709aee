import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { Request, Response } from 'express';
import {
  BEARER_AUTH,
  ErrorEnvelopeDoc,
  errorExamples,
  PATH_PARAMETER_EXAMPLES,
  REFRESH_COOKIE_EXTENSION,
  SuccessEnvelopeDoc,
} from './common/api-docs/api-docs';
import {
  ApiLink,
  bodyKeywordsOf,
  LINKS_EXTENSION,
  REFRESH_TOKEN_SET_BY_ANSWER,
} from './common/api-docs/api-docs-extensions';
import { ERROR_CODE_MAPPING, ErrorCode } from './common/errors/app-error';
import { AppConfig } from './config/app-config';
import { spokenDuration } from './config/duration';
import { GRAPHIQL_PATH } from './graphql/graphiql';

/** Answers every route may give, documented once here instead of on each route. */
const ANY_ROUTE_ERRORS = [
  ErrorCode.TOO_MANY_REQUESTS,
  ErrorCode.INTERNAL_ERROR,
  ErrorCode.SERVICE_UNAVAILABLE,
];

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** What the cookie routes say on their own page, as Swagger UI's generated curl has no cookie. */
const CURL_COOKIES =
  "**With curl**: Swagger UI's command carries no cookie. Add `-c cookies.txt` to the sign-in command, and `-b cookies.txt -c cookies.txt` to this one (it sends the cookie and keeps what the answer sets).";

export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Auth service')
    .setDescription(serviceDescription(config))
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, builder);
  addBodyKeywords(document);
  const operationIds = operationIdsByName(document);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      forbidUnknownBodyFields(document, operation);
      documentAnyRouteErrors(operation);
      documentRefreshCookie(operation, config.refresh.cookieName);
      documentLinks(operation, operationIds, config.refresh.cookieName);
      giveExamplesTheirRoute(operation, concretePath(path));
    }
  }
  return withSettingValues(document, config);
}

function serviceDescription(config: AppConfig): string {
  const cookie = config.refresh.cookieName;
  const graphql = config.isProduction
    ? '**GraphQL**: `POST /graphql`, the same operations.'
    : `**GraphQL**: \`POST /graphql\`, the same operations. To try it: Apollo Sandbox at [GET /graphql](/graphql) (loaded from Apollo's servers, needs internet) or GraphiQL at [${GRAPHIQL_PATH}](${GRAPHIQL_PATH}) (served by this server, works offline).`;
  return [
    'Sign-up, sign-in, short-lived JWT access tokens and rotating refresh tokens in an HttpOnly cookie.',
    'Every answer is wrapped in an envelope: `success`, `statusCode`, `path`, `timestamp`, `requestId`, then `data` or `error`.',
    [
      '**To try the secured routes**:',
      '1. **POST /auth/sign-up**, then **POST /auth/sign-in** (your browser keeps the HttpOnly refresh cookie).',
      '2. Copy `data.accessToken` from the answer and paste it into **Authorize → bearer**. The user `id` fields then fill in with yours.',
      `3. The routes that read the refresh cookie (\`${cookie}\`: refresh-token, revoke-token, logout) get it from your browser by themselves.`,
    ].join('\n'),
    "**With curl**: add `-c cookies.txt` to sign-in's command and `-b cookies.txt -c cookies.txt` to those of the cookie routes.",
    graphql,
    'The OpenAPI document itself: [/api-docs-json](/api-docs-json).',
  ].join('\n\n');
}

/** The validation pipe refuses unknown fields in every body (forbidNonWhitelisted); say so. */
function forbidUnknownBodyFields(document: OpenAPIObject, operation: OperationObject): void {
  const body = operation.requestBody;
  const reference =
    body !== undefined && 'content' in body ? body.content['application/json']?.schema : undefined;
  if (reference === undefined || !('$ref' in reference)) return;
  const schema = document.components?.schemas?.[reference.$ref.split('/').pop()!];
  if (schema !== undefined && !('$ref' in schema)) schema.additionalProperties = false;
}

function addBodyKeywords(document: OpenAPIObject): void {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    const keywords = bodyKeywordsOf(name);
    if (keywords !== undefined && !('$ref' in schema)) Object.assign(schema, keywords);
  }
}

/** Each operation's id by its name, `METHOD /path`, which is how links name their target. */
function operationIdsByName(document: OpenAPIObject): Map<string, string> {
  const ids = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operationId = item[method]?.operationId;
      if (operationId !== undefined) ids.set(`${method.toUpperCase()} ${path}`, operationId);
    }
  }
  return ids;
}

/** Turns an `ApiLinks` mark into OpenAPI links on the operation's success answer. */
function documentLinks(
  operation: OperationObject,
  operationIds: Map<string, string>,
  cookieName: string,
): void {
  const extensions = operation as unknown as Record<string, unknown>;
  const links = extensions[LINKS_EXTENSION] as Record<string, ApiLink> | undefined;
  if (links === undefined) return;
  delete extensions[LINKS_EXTENSION];
  const success = Object.entries(operation.responses).find(([status]) => /^2\d\d$/.test(status));
  if (success === undefined) throw new Error(`links on ${operation.operationId} need a 2xx answer`);
  const refreshToken = `$response.header.Set-Cookie#regex:${escapeRegExp(cookieName)}=([^;]+)`;
  const expand = (values: Record<string, string> | undefined) =>
    values &&
    Object.fromEntries(
      Object.entries(values).map(([name, value]) => [
        name,
        value === REFRESH_TOKEN_SET_BY_ANSWER ? refreshToken : value,
      ]),
    );
  (success[1] as ResponseObject).links = Object.fromEntries(
    Object.entries(links).map(([name, link]) => {
      const operationId = operationIds.get(link.operation);
      if (operationId === undefined)
        throw new Error(`link ${name}: no operation ${link.operation}`);
      return [
        name,
        {
          operationId,
          description: link.description,
          parameters: expand(link.parameters),
          requestBody: expand(link.requestBody),
        },
      ];
    }),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function documentAnyRouteErrors(operation: OperationObject): void {
  for (const code of ANY_ROUTE_ERRORS) {
    operation.responses[ERROR_CODE_MAPPING[code].httpStatus] ??= {
      description: code,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorEnvelopeDoc) },
          examples: errorExamples([code]),
        },
      },
    };
  }
}

/**
 * The refresh cookie is a cookie parameter of the routes that read it, not a security scheme:
 * a scheme would put a value field into "Authorize" that does nothing while the real HttpOnly
 * cookie exists, and that Swagger UI writes as a script-readable cookie when it does not.
 */
function documentRefreshCookie(operation: OperationObject, cookieName: string): void {
  const extensions = operation as unknown as Record<string, unknown>;
  const marker = extensions[REFRESH_COOKIE_EXTENSION] as { purpose: string } | undefined;
  if (marker === undefined) return;
  delete extensions[REFRESH_COOKIE_EXTENSION];
  const parameter: ParameterObject = {
    name: cookieName,
    in: 'cookie',
    required: false,
    description: `${marker.purpose} Your browser sends this HttpOnly cookie (set by sign-in) by itself: leave this box empty.`,
    schema: { type: 'string' },
  };
  operation.parameters = [...(operation.parameters ?? []), parameter];
  operation.description = [operation.description, CURL_COOKIES].filter(Boolean).join('\n\n');
}

/** The path an answer would show: path parameters replaced by example ids. */
function concretePath(path: string): string {
  return path.replace(
    /\{([^}]+)\}/g,
    (template, name: string) => PATH_PARAMETER_EXAMPLES[name] ?? template,
  );
}

/**
 * Each answer's example shows its own status code and its route's path. New objects replace the
 * decorators' ones, which every document built in this process shares.
 */
function giveExamplesTheirRoute(operation: OperationObject, path: string): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    const content = (response as ResponseObject).content?.['application/json'];
    if (content === undefined) continue;
    if (content.examples !== undefined) {
      content.examples = Object.fromEntries(
        Object.entries(content.examples).map(([name, example]) => [
          name,
          'value' in example
            ? { ...example, value: { ...(example.value as object), path } }
            : example,
        ]),
      );
    }
    const schema = content.schema as SchemaObject | undefined;
    const envelope = schema?.allOf?.[0];
    if (
      envelope !== undefined &&
      '$ref' in envelope &&
      envelope.$ref === getSchemaPath(SuccessEnvelopeDoc)
    ) {
      content.schema = {
        ...schema,
        allOf: [
          ...schema!.allOf!,
          {
            type: 'object',
            properties: {
              statusCode: { type: 'integer', example: Number(status) },
              path: { type: 'string', example: path },
            },
          },
        ],
      };
    }
  }
}

/** The settings a description may name, each with the value this server runs with. */
function settingValues(config: AppConfig): Record<string, string> {
  return {
    FRESH_LOGIN_MAX_AGE: spokenDuration(config.freshLoginMaxAgeSeconds),
    SESSION_CHECK_CACHE_SECONDS: spokenDuration(config.sessionCheckCacheSeconds),
    SESSION_MAX_LIFETIME: spokenDuration(config.sessionMaxLifetimeSeconds),
    REFRESH_TOKEN_TTL: spokenDuration(config.refresh.ttlSeconds),
    REFRESH_REUSE_GRACE_SECONDS: spokenDuration(config.refresh.reuseGraceSeconds),
    JWT_ACCESS_TTL: spokenDuration(config.jwt.accessTtlSeconds),
    JWT_ALGORITHM: config.jwt.keys.algorithm,
    REFRESH_COOKIE_NAME: `\`${config.refresh.cookieName}\``,
    MAX_SESSIONS_PER_USER: String(config.sessions.maxPerUser),
    SESSION_RETENTION: spokenDuration(config.sessions.retentionSeconds),
    SECURITY_EVENTS_RETENTION: spokenDuration(config.securityEventsRetentionSeconds),
    EMAIL_VERIFICATION_TTL: spokenDuration(config.mail.emailVerificationTtlSeconds),
    PASSWORD_RESET_TTL: spokenDuration(config.mail.passwordResetTtlSeconds),
  };
}

/**
 * Every description that names a setting shows this server's value: "no older than
 * FRESH_LOGIN_MAX_AGE" reads "no older than 10 minutes (FRESH_LOGIN_MAX_AGE)". A copy, since the
 * decorators' objects are shared by every document built in this process.
 */
function withSettingValues(document: OpenAPIObject, config: AppConfig): OpenAPIObject {
  const values = settingValues(config);
  const named = new RegExp(`\`?\\b(${Object.keys(values).join('|')})\\b\`?`, 'g');
  return JSON.parse(JSON.stringify(document), (key, value: unknown) =>
    key === 'description' && typeof value === 'string'
      ? value.replace(named, (_text, name: string) => `${values[name]} (${name})`)
      : value,
  ) as OpenAPIObject;
}

/**
 * The curl command wraps like the answers do, so its bearer token can be read and copied instead
 * of running off to the side (Swagger UI's own rule wraps only the answer boxes).
 */
const SWAGGER_UI_CSS =
  '.swagger-ui .curl-command pre.curl code { white-space: pre-wrap !important; word-break: break-all; }';
/** Swagger UI's add-on (./api-docs.browser.js): fills in the caller's user id after Authorize. */
const SWAGGER_UI_ADDON_PATH = '/api-docs/caller-id.js';

const FAVICON_PATH = '/favicon.ico';
/** A padlock. Browsers take an SVG icon from /favicon.ico by its Content-Type. */
const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<path d="M10 14v-4a6 6 0 0 1 12 0v4" fill="none" stroke="#2d5b88" stroke-width="3"/>' +
  '<rect x="5" y="13" width="22" height="17" rx="3" fill="#2d5b88"/>' +
  '<circle cx="16" cy="21.5" r="2.5" fill="#fff"/></svg>';

/**
 * Swagger UI at /api-docs (sending cookies, so the cookie routes work from "Try it out"), JSON at
 * /api-docs-json, and the icon of every page the service serves.
 */
export function setupApiDocs(app: INestApplication, config: AppConfig): void {
  const http = app.getHttpAdapter();
  http.get(SWAGGER_UI_ADDON_PATH, (_req: Request, res: Response) =>
    res.sendFile(join(__dirname, 'api-docs.browser.js')),
  );
  SwaggerModule.setup('api-docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'api-docs-json',
    customSiteTitle: 'Auth service API',
    customfavIcon: FAVICON_PATH,
    customCss: SWAGGER_UI_CSS,
    customJs: SWAGGER_UI_ADDON_PATH,
    swaggerOptions: { withCredentials: true, persistAuthorization: true },
  });
  http.get('/docs', (_req: Request, res: Response) =>
    // no body: Express's res.redirect would add a text one, outside the envelope
    res.status(302).location('/api-docs').end(),
  );
  http.get(FAVICON_PATH, (_req: Request, res: Response) =>
    res.type('image/svg+xml').send(FAVICON_SVG),
  );
}
