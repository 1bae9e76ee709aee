import type { Context } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ReadableSpan,
  Span,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '../config/config-error';

/** Span attributes that may carry a URL or its query string. */
const URL_ATTRIBUTES = ['url.full', 'url.query', 'http.target', 'http.url'];

/**
 * Replaces every query-string value in a span's URL attributes: a query may carry a mailed token
 * (`/verify-email?token=…`), and the NestJS instrumentation records the URL as the client sent it.
 */
class QueryRedactingProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    for (const name of URL_ATTRIBUTES) {
      const value = span.attributes[name];
      if (typeof value === 'string')
        span.setAttribute(name, redactQuery(value, name === 'url.query'));
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** `a=1&b=2` (or the part after `?`) with each value replaced by `REDACTED`. */
function redactQuery(value: string, wholeIsQuery: boolean): string {
  const start = wholeIsQuery ? 0 : value.indexOf('?') + 1;
  if (!wholeIsQuery && start === 0) return value;
  const query = value
    .slice(start)
    .split('&')
    .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=REDACTED` : pair))
    .join('&');
  return value.slice(0, start) + query;
}

/** The OTLP exporter for OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, each reading its own OTEL_* settings. */
function otlpExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  switch (protocol) {
    case 'grpc':
      return new GrpcExporter();
    case 'http/json':
      return new JsonExporter();
    case 'http/protobuf':
      return new ProtobufExporter();
    default:
      throw new ConfigError(
        `OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf, http/json or grpc, got "${protocol}"`,
      );
  }
}

/**
 * Starts the OpenTelemetry SDK: a span for each HTTP request, Express and Nest handler, GraphQL
 * operation and MongoDB command, exported over OTLP as the standard OTEL_* variables say. Nothing
 * that could hold a secret is recorded: no headers (no `headersToSpanAttributes`), no GraphQL
 * literal or variable values (`allowValues: false`), MongoDB statements with every value
 * replaced (`enhancedDatabaseReporting: false`), and no query-string values.
 * Returns what flushes and stops it.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  // traces only: Prometheus serves the metrics, and logs go to stdout
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME === undefined && { serviceName: 'nest-auth-service' }),
    spanProcessors: [new QueryRedactingProcessor(), new BatchSpanProcessor(otlpExporter(env))],
    instrumentations: [
      new HttpInstrumentation(),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      new GraphQLInstrumentation({ allowValues: false, ignoreTrivialResolveSpans: true }),
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
