import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** What the sink's process says to the bench, over IPC. */
export type SinkMessage = { type: 'listening'; port: number } | { type: 'received'; count: number };

/** What the bench asks of it. */
export type SinkRequest = { type: 'count' };

/**
 * The SMTP sink's own process (started by bench/mail-sink.ts): an SMTP server on 127.0.0.1 that
 * takes every mail and keeps none. It runs apart from the load generator so that its CPU, a real
 * SMTP exchange per mail, is not spent on the event loop that times the answers.
 */
let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData: (stream, _session, callback) => {
    stream.resume();
    stream.on('end', () => {
      received += 1;
      callback();
    });
  },
});

function tell(message: SinkMessage): void {
  process.send!(message);
}

process.on('message', (request: SinkRequest) => {
  if (request.type === 'count') tell({ type: 'received', count: received });
});
// the bench gone (even killed), the sink goes too
process.on('disconnect', () => server.close(() => process.exit(0)));

server.listen(0, '127.0.0.1', () => {
  tell({ type: 'listening', port: (server.server.address() as AddressInfo).port });
});
