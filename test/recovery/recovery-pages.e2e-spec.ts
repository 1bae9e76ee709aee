import type { Page } from 'puppeteer-core';
import { signIn } from '../support/auth-helpers';
import { BrowserSession, haveBrowser, openBrowser, UI_TIMEOUT_MS } from '../support/browser';
import { createMailTestApp, linkIn, MailTestApp, tokenOfLink } from '../support/mail-server';
import { createTestApp, TestApp } from '../support/test-app';
import { bearer, newSessionWithEmail } from './recovery-helpers';

const TOKEN = 'bm90LWEtcmVhbC10b2tlbi1idXQtbG9va3MtbGlrZS1vbmUtdG8tdGhlLXBhZ2U';

describe('The development pages the mails link to', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(() => t?.close());

  it.each(['/verify-email', '/reset-password'])(
    '%s: a small HTML form with the security headers, no referrer, and no token written into it',
    async (path) => {
      const page = await t.http.get(`${path}?token=${TOKEN}`).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(page.text).toContain('<form id="form"');
      expect(page.text).not.toContain(TOKEN);
      expect(page.text).not.toMatch(/<script>/);
      const script = page.text.match(/<script src="([^"]+)"/)![1];
      const code = await t.http.get(script).expect(200);
      expect(code.headers['content-type']).toMatch(/javascript/);
      expect(code.headers['referrer-policy']).toBe('no-referrer');
    },
  );

  it('are not served in production', async () => {
    const production = await createTestApp({ NODE_ENV: 'production' });
    try {
      for (const path of ['/verify-email', '/reset-password', '/recovery-pages/page.js']) {
        const answer = await production.http.get(path).expect(404);
        expect(answer.body.error.code).toBe('NOT_FOUND');
      }
    } finally {
      await production.close();
    }
  });
});

(haveBrowser ? describe : describe.skip)('Following the mails in a real browser', () => {
  let t: MailTestApp;
  let session: BrowserSession | undefined;
  let origin: string;
  let page: Page;

  beforeAll(async () => {
    t = await createMailTestApp();
    session = await openBrowser(t);
    ({ origin, page } = session);
  }, 5 * UI_TIMEOUT_MS);

  afterAll(async () => {
    await session?.close();
    await t?.close();
  });

  /** Opens a mail's link on this server (APP_URL names the default port, the test's differs). */
  async function follow(link: string): Promise<void> {
    const { pathname, search } = new URL(link);
    await page.goto(`${origin}${pathname}${search}`);
    await page.waitForSelector('#form');
  }

  /** Submits the form and waits until the page shows an answer containing `expected`. */
  async function submitAndRead(expected: string): Promise<string> {
    await page.locator('#form button').click();
    await page.waitForFunction(
      `(document.getElementById('result').textContent || '').includes(${JSON.stringify(expected)})`,
    );
    return page.$eval(
      '#result',
      (element: { textContent: string | null }) => element.textContent ?? '',
    );
  }

  it(
    'verifies the address, then resets the password from the reset mail; the new one signs in',
    async () => {
      const user = await newSessionWithEmail(t.http);
      await follow(linkIn(await t.mail.nth(user.email), '/verify-email'));
      // the token leaves the address bar once the page has read it
      expect(new URL(page.url()).search).toBe('');
      expect(await submitAndRead('verified')).toBe('Your email address is verified.');
      expect((await t.http.get('/auth/me').set(bearer(user))).body.data.emailVerified).toBe(true);

      await t.http.post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const resetMail = await t.mail.nth(user.email, 2);
      await follow(linkIn(resetMail, '/reset-password'));
      await page.type('#newPassword', 'short');
      // the browser's own check (minlength) keeps a too short password from being sent
      await page.locator('#form button').click();
      const validity = await page.$eval(
        '#newPassword',
        (input: { validity: { valid: boolean } }) => input.validity.valid,
      );
      expect(validity).toBe(false);
      await page.$eval('#newPassword', (input: { value: string }) => {
        input.value = '';
      });
      await page.type('#newPassword', 'typed in the browser');
      expect(await submitAndRead('changed')).toContain('Your password is changed');
      await signIn(t.http, user.username, 'typed in the browser');

      // the same link again: the page shows the refusal
      await follow(linkIn(resetMail, '/reset-password'));
      await page.type('#newPassword', 'another one typed');
      expect(await submitAndRead('token')).toContain('The token is unknown, expired or already');
      expect(tokenOfLink(resetMail, '/reset-password')).not.toBe('');
    },
    10 * UI_TIMEOUT_MS,
  );
});
