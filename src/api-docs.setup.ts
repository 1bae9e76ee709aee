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
  REFRESH_COOKIE_EXTENSION,
  SuccessEnvelopeDoc,
} from './common/api-docs';
import {
  ApiLink,
  bodyKeywordsOf,
  LINKS_EXTENSION,
  REFRESH_TOKEN_SET_BY_ANSWER,
} from './common/api-docs-extensions';
import { ERROR_CODE_MAPPING, ErrorCode } from './common/app-error';
import { AppConfig } from './config/app-config';

/** Answers every route may give, documented once here instead of on each route. */
const ANY_ROUTE_ERRORS = [
  ErrorCode.TOO_MANY_REQUESTS,
  ErrorCode.INTERNAL_ERROR,
  ErrorCode.SERVICE_UNAVAILABLE,
];

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Auth service')
    .setDescription(
      [
        'Sign-up, sign-in, short-lived JWT access tokens and rotating refresh tokens in an HttpOnly cookie.',
        'Every answer is wrapped in an envelope with `success`, `statusCode`, `data` or `error`, `path`, `timestamp` and `requestId`.',
        'To try secured routes: call **POST /auth/sign-in** (the browser keeps the HttpOnly refresh cookie), paste `data.accessToken` into **Authorize → bearer**.',
        `The routes that read the refresh cookie (\`${config.refresh.cookieName}\`: refresh-token, revoke-token, logout) get it from the browser by themselves; leave their cookie parameter empty.`,
      ].join('\n\n'),
    )
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
      giveExamplesTheirRoute(operation, concretePath(path, operation));
    }
  }
  return document;
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
  const marker = extensions[REFRESH_COOKIE_EXTENSION] as { description: string } | undefined;
  if (marker === undefined) return;
  delete extensions[REFRESH_COOKIE_EXTENSION];
  const parameter: ParameterObject = {
    name: cookieName,
    in: 'cookie',
    required: false,
    description: marker.description,
    schema: { type: 'string' },
  };
  operation.parameters = [...(operation.parameters ?? []), parameter];
}

/** The path an answer would show: path parameters replaced by their documented examples. */
function concretePath(path: string, operation: OperationObject): string {
  return path.replace(/\{([^}]+)\}/g, (template, name: string) => {
    const parameter = (operation.parameters ?? []).find(
      (each): each is ParameterObject => 'in' in each && each.in === 'path' && each.name === name,
    );
    const example: unknown =
      (parameter?.schema as SchemaObject | undefined)?.example ?? parameter?.example;
    return typeof example === 'string' ? example : template;
  });
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

/** Swagger UI at /api-docs (sending cookies, so the cookie routes work from "Try it out"), JSON at /api-docs-json. */
export function setupApiDocs(app: INestApplication, config: AppConfig): void {
  SwaggerModule.setup('api-docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'api-docs-json',
    customSiteTitle: 'Auth service API',
    swaggerOptions: { withCredentials: true, persistAuthorization: true },
  });
  app.getHttpAdapter().get('/docs', (_req: Request, res: Response) =>
    // no body: Express's res.redirect would add a text one, outside the envelope
    res.status(302).location('/api-docs').end(),
  );
}
