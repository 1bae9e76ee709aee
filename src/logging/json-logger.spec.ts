import { JsonLogger } from './json-logger';
import { REDACTED } from './redact';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe(JsonLogger.name, () => {
  function capture(write: (logger: JsonLogger) => void): Record<string, unknown> {
    const lines: string[] = [];
    write(new JsonLogger((line) => lines.push(line)));
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    return JSON.parse(lines[0]) as Record<string, unknown>;
  }

  it('writes one JSON object per line with time, level and context', () => {
    const entry = capture((logger) => logger.log({ msg: 'request', status: 200 }, 'Request'));
    expect(entry).toEqual({
      time: expect.any(String),
      level: 'log',
      context: 'Request',
      msg: 'request',
      status: 200,
    });
  });

  it('masks secret-named fields at any depth', () => {
    const entry = capture((logger) =>
      logger.warn({
        headers: {
          authorization: `Bearer ${JWT}`,
          cookie: 'refreshToken=abc',
          'user-agent': 'curl',
        },
        body: { username: 'ada', password: 'hunter2 hunter2', newPassword: 'x', token: 'opaque' },
        passwordHash: '$2b$12$abcdefghijk',
        tokenType: 'Bearer',
      }),
    );
    expect(entry).toMatchObject({
      headers: { authorization: REDACTED, cookie: REDACTED, 'user-agent': 'curl' },
      body: { username: 'ada', password: REDACTED, newPassword: REDACTED, token: REDACTED },
      passwordHash: REDACTED,
      tokenType: 'Bearer',
    });
  });

  it('masks JWTs, bearer values and token cookies inside free text and stacks', () => {
    const entry = capture((logger) =>
      logger.error(
        `failed for Bearer abc.def-ghi with ${JWT}`,
        `Error: boom\n  cookie refreshToken=s3cr3t; Path=/`,
        'Errors',
      ),
    );
    const text = JSON.stringify(entry);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain('abc.def-ghi');
    expect(text).not.toContain('s3cr3t');
    expect(entry.context).toBe('Errors');
  });

  it.each([
    ['plain fields', { msg: 'request', method: 'GET', status: 200, userId: undefined }],
    ['no fields at all', {}],
    ['a field named like a line key', { msg: 'x', level: 'spoofed', time: 1, context: 'c' }],
    ['integer-like keys', { msg: 'x', 2: 'two', 10: 'ten' }],
    ['an array', ['a', 'b']],
    ['nested values and quotes', { msg: 'say "hi"\n', nested: { list: [1, null, 'ü'] } }],
  ])('writes the same line as one merged object for %s', (_name, fields: object) => {
    const lines: string[] = [];
    const logger = new JsonLogger((line) => lines.push(line));
    logger.log(fields, 'Request');
    logger.error(fields, 'a stack', 'Errors');
    logger.log(fields);
    const at = (line: string): unknown => (JSON.parse(line) as { time: unknown }).time;
    // what the line was before it was built around the fields' own JSON
    const merged = (time: unknown, level: string, context?: string, stack?: string): string =>
      `${JSON.stringify({
        time,
        level,
        ...(context !== undefined && { context }),
        ...fields,
        ...(stack !== undefined && { stack }),
      })}\n`;
    expect(lines).toEqual([
      merged(at(lines[0]), 'log', 'Request'),
      merged(at(lines[1]), 'error', 'Errors', 'a stack'),
      merged(at(lines[2]), 'log'),
    ]);
  });
});
