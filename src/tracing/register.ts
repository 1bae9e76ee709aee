// The first import of main.ts: tracing must start before the modules it instruments are loaded.
import { startTracingIfConfigured } from './tracing-switch';

startTracingIfConfigured();
