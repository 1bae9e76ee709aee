// Preloaded (`node -r`) into a server process under test. Writes one line to stderr as the server
// parses a request's headers, so a test can wait until the server itself holds a request, not only
// until the client has written it (the connection may still be in the listen backlog then).
const diagnostics = require('node:diagnostics_channel');

diagnostics.subscribe('http.server.request.start', ({ request }) => {
  process.stderr.write(`[request-observer] received ${request.method} ${request.url}\n`);
});
