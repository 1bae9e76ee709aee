import { readDotenv } from '../config/load-config';

let stop: (() => Promise<void>) | undefined;

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set (in the environment or `.env`), starts tracing; unset,
 * nothing of OpenTelemetry is loaded at all. It must run before HTTP, Express, Nest, GraphQL and
 * the MongoDB driver are loaded, or they go uninstrumented: main.ts imports `register` first.
 */
export function startTracingIfConfigured(cwd = process.cwd()): void {
  const dotenv = readDotenv(cwd);
  if ((process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? dotenv.OTEL_EXPORTER_OTLP_ENDPOINT) === undefined)
    return;
  // the SDK reads its settings from the environment: `.env` supplies those the environment lacks
  for (const [name, value] of Object.entries(dotenv))
    if (name.startsWith('OTEL_')) process.env[name] ??= value;
  // loaded here, not imported above, so that an untraced process never loads it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as typeof import('./tracing');
  stop = startTracing();
}

/** Sends the spans still buffered and stops tracing (nothing when it is off). */
export async function stopTracing(): Promise<void> {
  await stop?.();
}
