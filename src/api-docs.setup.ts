import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { Request, Response } from 'express';
import { BEARER_AUTH, COOKIE_AUTH, ErrorEnvelopeDoc } from './common/api-docs';
import { ERROR_CODE_MAPPING, ErrorCode } from './common/app-error';
import { AppConfig } from './config/app-config';

/** Answers every route may give, documented once here instead of on each route. */
const ANY_ROUTE_ERRORS = [
  ErrorCode.TOO_MANY_REQUESTS,
  ErrorCode.INTERNAL_ERROR,
  ErrorCode.SERVICE_UNAVAILABLE,
];

export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Auth service')
    .setDescription(
      [
        'Sign-up, sign-in, short-lived JWT access tokens and rotating refresh tokens in an HttpOnly cookie.',
        'Every answer is wrapped in an envelope with `success`, `statusCode`, `data` or `error`, `path`, `timestamp` and `requestId`.',
        'To try secured routes: call **POST /auth/sign-in** (the browser keeps the refresh cookie), paste `data.accessToken` into **Authorize → bearer**.',
        'The cookie routes (refresh-token, revoke-token, logout) then send the cookie by themselves.',
      ].join('\n\n'),
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .addCookieAuth(
      config.refresh.cookieName,
      { type: 'apiKey', in: 'cookie', name: config.refresh.cookieName },
      COOKIE_AUTH,
    )
    .build();
  const document = SwaggerModule.createDocument(app, builder);
  for (const operation of operationsOf(document)) {
    forbidUnknownBodyFields(document, operation);
    documentAnyRouteErrors(operation);
  }
  return document;
}

function operationsOf(document: OpenAPIObject): OperationObject[] {
  return Object.values(document.paths).flatMap((path) =>
    [path.get, path.post, path.put, path.patch, path.delete].filter(
      (operation) => operation !== undefined,
    ),
  );
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

function documentAnyRouteErrors(operation: OperationObject): void {
  for (const code of ANY_ROUTE_ERRORS) {
    operation.responses[ERROR_CODE_MAPPING[code].httpStatus] ??= {
      description: code,
      content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeDoc) } } },
    };
  }
}

/** Swagger UI at /api-docs (sending cookies, so the cookie routes work from "Try it out"), JSON at /api-docs-json. */
export function setupApiDocs(app: INestApplication, config: AppConfig): void {
  SwaggerModule.setup('api-docs', app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: 'api-docs-json',
    customSiteTitle: 'Auth service API',
    swaggerOptions: { withCredentials: true, persistAuthorization: true },
  });
  app
    .getHttpAdapter()
    .get('/docs', (_req: Request, res: Response) => res.redirect(302, '/api-docs'));
}
