import { createLogger, JsonLogger, PrettyLogger } from './json-logger';
import { REDACTED } from './redact';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const ESC = '\x1b[';

function lines(write: (sink: (line: string) => void) => void): string[] {
  const written: string[] = [];
  write((line) => written.push(line));
  return written;
}

describe('LOG_FORMAT', () => {
  it('pretty: one Nest-style line with level, context, message and fields', () => {
    const [line] = lines((sink) =>
      new PrettyLogger(sink, undefined, false).log(
        { msg: 'request', method: 'GET', route: '/users/:id', status: 200 },
        'Request',
      ),
    );
    expect(line).toMatch(
      /^\[Nest\] \d+ {2}- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {5}LOG \[Request\] request method=GET route=\/users\/:id status=200\n$/,
    );
    expect(line).not.toContain(ESC);
  });

  it('pretty: redacts fields, free text and stacks like json does', () => {
    const written = lines((sink) => {
      const logger = new PrettyLogger(sink, undefined, true);
      logger.warn({
        event: 'sign-in-failed',
        headers: { authorization: `Bearer ${JWT}`, cookie: 'refreshToken=abc' },
        body: { username: 'ada', password: 'hunter2 hunter2' },
      });
      logger.error(
        `failed for Bearer abc.def-ghi`,
        `Error: boom\n  refreshToken=s3cr3t; Path=/`,
        'Errors',
      );
    });
    const text = written.join('');
    for (const secret of [JWT, 'abc.def-ghi', 's3cr3t', 'hunter2', 'refreshToken=abc'])
      expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    expect(text).toContain('ada');
    expect(text).toContain(ESC); // coloured when asked (a terminal)
  });

  it('json stays one object a line, and each format is picked by name', () => {
    const [json] = lines((sink) => {
      createLogger('json', sink).log({ msg: 'hi' }, 'Test');
    });
    expect(JSON.parse(json)).toMatchObject({ level: 'log', context: 'Test', msg: 'hi' });
    expect(createLogger('json')).toBeInstanceOf(JsonLogger);
    expect(createLogger('pretty')).toBeInstanceOf(PrettyLogger);
  });
});
