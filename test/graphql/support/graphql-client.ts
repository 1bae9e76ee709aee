import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';

export interface GraphqlErrorBody {
  message: string;
  path?: (string | number)[];
  extensions: {
    code: string;
    errorCode?: string;
    details?: { field: string; message: string }[];
    stacktrace?: string[];
    [key: string]: unknown;
  };
}

export interface GraphqlResult<TData> {
  data?: TData | null;
  errors?: GraphqlErrorBody[];
  response: Response;
}

export interface RequestOptions {
  /** Bearer access token. */
  token?: string;
  /** `name=value` for the Cookie header. */
  cookie?: string;
  headers?: Record<string, string>;
}

/** POSTs a generated typed document to /graphql (printed with graphql's `print`). */
export async function execute<TData, TVariables>(
  http: TestAgent,
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  options: RequestOptions = {},
): Promise<GraphqlResult<TData>> {
  return send<TData>(http, { query: print(document), variables }, options);
}

/** POSTs any body to /graphql, for requests the typed documents cannot express. */
export async function send<TData = unknown>(
  http: TestAgent,
  body: unknown,
  options: RequestOptions = {},
): Promise<GraphqlResult<TData>> {
  let request = http.post('/graphql').set('Content-Type', 'application/json');
  if (options.token !== undefined)
    request = request.set('Authorization', `Bearer ${options.token}`);
  if (options.cookie !== undefined) request = request.set('Cookie', options.cookie);
  for (const [name, value] of Object.entries(options.headers ?? {}))
    request = request.set(name, value);
  const response = await request.send(body as object);
  const json = response.body as { data?: TData | null; errors?: GraphqlErrorBody[] };
  return { data: json.data, errors: json.errors, response };
}

/** The single error of a result, asserting there is exactly one. */
export function onlyError(result: GraphqlResult<unknown>): GraphqlErrorBody {
  expect(result.errors).toHaveLength(1);
  return result.errors![0];
}
