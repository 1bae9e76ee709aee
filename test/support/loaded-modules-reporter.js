// Preloaded (`node -r`) into a server process under test. On SIGUSR2, writes the OpenTelemetry
// modules the process has loaded as one line to stdout, so a test can tell what tracing loaded.
const { sep } = require('node:path');

process.on('SIGUSR2', () => {
  const loaded = Object.keys(require.cache).filter((path) =>
    path.includes(`${sep}@opentelemetry${sep}`),
  );
  process.stdout.write(`[loaded-modules] ${JSON.stringify(loaded)}\n`);
});
