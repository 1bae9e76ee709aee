import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { captureLogs } from '../../test/support/log-capture';
import type { LogFormat } from '../config/app-config';
import { AppLogger, silentLogger } from './app-logger';
import { nestLoggerOf } from './logging.module';
import { REDACTED, writeShowing } from './redaction';
import { UNMATCHED_ROUTE } from './request-serializers';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const SECRET = 'S3cret-value-42';
const ESC = '\x1b[';

/**
 * The app's logger writing into memory, and Nest's Logger over it. nestjs-pino writes lines from
 * outside a request through the first logger it was given in a process: the Nest Logger of every
 * test writes into this one capture.
 */
const json = captureLogs();
const nest = nestLoggerOf(json.logger);
beforeEach(() => json.lines.splice(0));

function capture(format: LogFormat = 'json', colours = false) {
  return format === 'json' && !colours ? json : captureLogs(format, colours);
}

describe('app logger', () => {
  it('json: one object a line with an ISO time, the level by name, the context and the fields', () => {
    const { lines, entries } = capture();
    nest.log({ event: 'sign-in', ip: '10.0.0.1' }, 'Security');
    nest.warn('careful', 'Cleanup');
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('}\n') && !line.slice(0, -1).includes('\n'))).toBe(
      true,
    );
    expect(entries()).toEqual([
      expect.objectContaining({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        level: 'info',
        context: 'Security',
        event: 'sign-in',
        ip: '10.0.0.1',
      }),
      expect.objectContaining({ level: 'warn', context: 'Cleanup', msg: 'careful' }),
    ]);
  });

  describe('redacts credential fields', () => {
    const fields = [
      'password',
      'currentPassword',
      'newPassword',
      'passwordHash',
      'token',
      'accessToken',
      'refreshToken',
      'mfaToken',
      'resetToken',
      'verificationToken',
      'tokenHash',
      'code',
      'recoveryCodes',
      'secret',
      'otpauthUrl',
      'authorization',
      'Authorization',
      'cookie',
      'Cookie',
      'set-cookie',
      'Set-Cookie',
    ];
    const carriers = [
      'body',
      'input',
      'variables',
      'query',
      'params',
      'headers',
      'cookies',
      'user',
      'data',
    ];

    it.each(fields)(
      '%s: at the top, in what carries request data, and in child bindings',
      (field) => {
        const { logger, text } = capture();
        const secret = { [field]: SECRET, kept: 'visible' };
        logger.info(secret);
        for (const carrier of carriers) {
          logger.info({ [carrier]: secret });
          logger.info({ [carrier]: { input: secret } });
        }
        logger.child(secret).info('from a child');
        const written = 2 + carriers.length * 2;
        expect(text()).not.toContain(SECRET);
        expect(text().split(REDACTED)).toHaveLength(written + 1);
        expect(text().split('visible')).toHaveLength(written + 1);
      },
    );

    it("through Nest's Logger: headers, bodies, GraphQL variables", () => {
      const { text } = capture();
      nest.warn(
        {
          headers: { authorization: `Bearer ${JWT}`, cookie: `refreshToken=${SECRET}` },
          body: { username: 'ada', password: SECRET, newPassword: SECRET },
          variables: { i: { mfaToken: SECRET, code: '123456' } },
        },
        'Test',
      );
      for (const secret of [SECRET, JWT, '123456']) expect(text()).not.toContain(secret);
      expect(text()).toContain('"username":"ada"');
      expect(text()).toContain('"context":"Test"');
    });

    it('shows a request as its method, route and client IP, and a response as its status', () => {
      const { entries, text } = capture();
      const req = {
        method: 'POST',
        originalUrl: `/auth/sign-in?token=${SECRET}`,
        headers: { authorization: `Bearer ${JWT}`, cookie: `refreshToken=${SECRET}` },
        body: { password: SECRET },
        ip: '::ffff:10.0.0.1',
        socket: {},
        get: () => undefined,
      };
      const res = { statusCode: 401, getHeaders: () => ({ 'set-cookie': SECRET }) };
      nest.log({ req, res }, 'Test');
      for (const secret of [SECRET, JWT]) expect(text()).not.toContain(secret);
      expect(entries()[0]).toMatchObject({
        req: { method: 'POST', route: UNMATCHED_ROUTE, ip: '10.0.0.1' },
        res: { statusCode: 401 },
      });
      expect(Object.keys(entries()[0].req as object)).toEqual(['method', 'route', 'ip']);
      expect(Object.keys(entries()[0].res as object)).toEqual(['statusCode']);
    });

    it('leaves fields that only sound like one', () => {
      const { logger, entries } = capture();
      logger.info({ tokenType: 'Bearer', refreshTokens: 2, statusCode: 401, username: 'ada' });
      expect(entries()[0]).toMatchObject({
        tokenType: 'Bearer',
        refreshTokens: 2,
        statusCode: 401,
        username: 'ada',
      });
    });
  });

  describe('masks credentials in free text, which paths cannot reach', () => {
    const texts = [
      `failed for Bearer abc.def-ghi and ${JWT}`,
      `Error: boom\n    cookie refreshToken=${SECRET}; Path=/`,
      `resetToken=${SECRET}`,
    ];

    it('in messages and interpolated values, and the lines stay JSON', () => {
      const { logger, text, entries } = capture();
      for (const message of texts) {
        logger.info(message);
        logger.info('value: %s', message);
        nest.log(message, 'Test');
      }
      for (const secret of [JWT, 'abc.def-ghi', SECRET]) expect(text()).not.toContain(secret);
      expect(text()).toContain(`Bearer ${REDACTED}`);
      expect(entries().map((entry) => entry.msg)).toContain(`resetToken=${REDACTED}`);
    });

    it("in errors, which keep their type, message and stack only (Nest's error(message, stack) too)", () => {
      const { entries, text } = capture();
      const error = Object.assign(new TypeError(texts[0]), { config: { data: SECRET } });
      nest.error(error, 'Errors');
      nest.error(texts[0], `Error: boom\n    at handler (refreshToken=${SECRET})`, 'Errors');
      for (const secret of [JWT, 'abc.def-ghi', SECRET]) expect(text()).not.toContain(secret);
      const [first, second] = entries();
      expect(first).toMatchObject({ level: 'error', context: 'Errors' });
      expect(Object.keys(first.err as object)).toEqual(['type', 'message', 'stack']);
      expect(first.err).toMatchObject({ type: 'TypeError', stack: expect.stringContaining('at ') });
      expect(second.err).toMatchObject({ stack: expect.stringContaining('at handler') });
    });
  });

  describe('the development mail line (writeShowing)', () => {
    const TOKEN = 'AbCdEf0123456789_-AbCdEf0123456789_-AbCdEf0123456789_-Ab';
    const link = (token: string) => `http://localhost:3000/reset-password?token=${token}`;

    it('shows the given token in that one line, and masks it in every other', () => {
      const { entries, text } = capture('json');
      const other = 'ZyXw9876543210_-ZyXw9876543210_-ZyXw9876543210_-ZyXw98765';
      json.logger.info(`before: ${link(TOKEN)}`);
      writeShowing([TOKEN], () =>
        nest.log(
          { event: 'mail', text: `open\n\n${link(TOKEN)}\n\nor ${link(other)} ${JWT}` },
          'Mail',
        ),
      );
      json.logger.info(`after: ${link(TOKEN)}`);
      const [before, mail, after] = entries();
      expect(before.msg).toBe(`before: ${link(REDACTED)}`);
      expect(after.msg).toBe(`after: ${link(REDACTED)}`);
      expect(mail.text).toContain(link(TOKEN));
      expect(mail.text).toContain(link(REDACTED));
      for (const secret of [other, JWT]) expect(text()).not.toContain(secret);
    });

    it('ends the exception even when writing throws', () => {
      const { entries } = capture('json');
      expect(() =>
        writeShowing([TOKEN], () => {
          throw new Error('failed');
        }),
      ).toThrow('failed');
      json.logger.info(link(TOKEN));
      expect(entries()[0].msg).toBe(link(REDACTED));
    });
  });

  describe('LOG_FORMAT=pretty', () => {
    it('writes one readable line: time, level, [context], message, then the fields', () => {
      const { logger, lines } = capture('pretty');
      logger.info({ context: 'Security', event: 'sign-in', ip: '10.0.0.1' }, 'signed in');
      expect(lines).toEqual([
        expect.stringMatching(
          /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: \[Security\] signed in \{"event":"sign-in","ip":"10\.0\.0\.1"\}\n$/,
        ),
      ]);
      expect(lines[0]).not.toContain(ESC);
    });

    it('redacts like json, and is coloured when asked (a terminal)', () => {
      const { logger, text } = capture('pretty', true);
      logger.warn({ body: { username: 'ada', password: SECRET } }, `with ${JWT}`);
      const error = new Error('failed');
      error.stack = `Error: failed\n    at x (refreshToken=${SECRET})`;
      logger.error({ err: error }, 'failed');
      for (const secret of [SECRET, JWT]) expect(text()).not.toContain(secret);
      expect(text()).toContain(REDACTED);
      expect(text()).toContain('ada');
      expect(text()).toContain(ESC);
    });
  });

  it('a silent logger writes nothing', () => {
    const write = jest.spyOn(process.stdout, 'write');
    const logger: AppLogger = silentLogger();
    logger.error('nothing');
    nestLoggerOf(logger).error('nothing either', 'Test');
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });
});

describe('standard output', () => {
  const ROOT = join(__dirname, '..', '..');
  const LINES = 20_000;

  /** Runs `body` in a fresh Node process after it logged {@link LINES} lines; returns what it printed. */
  function printed(body: string): string[] {
    const script =
      `const { createAppLogger, flushLogs } = require('./src/logging/app-logger');\n` +
      `const logger = createAppLogger('json');\n` +
      `for (let i = 0; i < ${LINES}; i++) logger.info('line ' + i);\n` +
      body;
    const child = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    return child.stdout.split('\n').filter(Boolean);
  }

  const messageOf = (line: string | undefined): unknown =>
    (JSON.parse(line ?? '{}') as { msg?: unknown }).msg;

  it('loses no buffered line when the process exits', () => {
    const lines = printed('process.exit(0);');
    expect(lines).toHaveLength(LINES);
    expect(messageOf(lines.at(-1))).toBe(`line ${LINES - 1}`);
  });

  it('loses no line when flushed before the process dies of a signal (graceful shutdown)', () => {
    const lines = printed(
      `logger.info('last'); flushLogs(); process.kill(process.pid, 'SIGKILL');`,
    );
    expect(lines).toHaveLength(LINES + 1);
    expect(messageOf(lines.at(-1))).toBe('last');
  });
});
