// The first import of main.ts: tracing must start before the modules it instruments are loaded.
import { ConfigError } from '../config/config-error';
import { startTracingIfConfigured } from './tracing-switch';

try {
  startTracingIfConfigured();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // a bad OTEL_* setting is one line, like the app's own settings (main.ts)
  console.error(`Cannot start: ${error.message}`);
  process.exit(1);
}
