import type { AddressInfo } from 'node:net';
import type { Browser, Cookie, Page } from 'puppeteer-core';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { haveBrowser, launchBrowser, UI_TIMEOUT_MS } from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const COOKIE = 'refreshToken';

/** Swagger UI's block for one operation (its id is `operations-<tag>-<operationId>`). */
function operation(operationId: string): string {
  return `#operations-auth-AuthController_${operationId}`;
}

const withBrowser = haveBrowser('Swagger UI browser test');

(withBrowser ? describe : describe.skip)('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    ({ browser, close: closeBrowser } = await launchBrowser());
    page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`http://127.0.0.1:${port}/api-docs`);
    await page.waitForSelector(operation('signIn'));
  }, 5 * UI_TIMEOUT_MS);

  afterAll(async () => {
    await closeBrowser?.();
    await t?.close();
  });

  /** Opens an operation and presses "Try it out" (once per operation). */
  async function tryItOut(operationId: string): Promise<void> {
    const block = operation(operationId);
    await page.locator(`${block} .opblock-summary-control`).click();
    await page.locator(`${block} .try-out__btn`).click();
    await page.waitForSelector(`${block} .execute`);
  }

  async function setBody(operationId: string, body: object): Promise<void> {
    await page
      .locator(`${operation(operationId)} textarea.body-param__text`)
      .fill(JSON.stringify(body));
  }

  /** Presses Execute and reads the status and body Swagger UI shows for the answer. */
  async function execute(operationId: string): Promise<{ status: number; body: unknown }> {
    const block = operation(operationId);
    // a previous answer is cleared first, so the one read below is this execution's
    if ((await page.$(`${block} .btn-clear`)) !== null) {
      await page.locator(`${block} .btn-clear`).click();
      await page.waitForSelector(`${block} .live-responses-table`, { hidden: true });
    }
    await page.locator(`${block} .execute`).click();
    const status = `${block} .live-responses-table .response .response-col_status`;
    await page.waitForSelector(status);
    const shown = await page.$eval(
      status,
      (element: { textContent: string | null }) => element.textContent ?? '',
    );
    const text = await page.$eval(
      `${block} .live-responses-table .response-col_description .highlight-code pre`,
      (element: { textContent: string | null }) => element.textContent ?? '',
    );
    return { status: Number(shown.trim()), body: JSON.parse(text) as unknown };
  }

  async function authorize(accessToken: string): Promise<void> {
    await page.locator('.auth-wrapper .authorize').click();
    await page.waitForSelector('.modal-ux');
    // a previous token is logged out of the dialog first
    if ((await page.$('.modal-ux button::-p-text(Logout)')) !== null) {
      await page.locator('.modal-ux button::-p-text(Logout)').click();
    }
    // typed, not filled: Swagger UI keeps the value from the input's change events
    await page.type('#auth-bearer-value', accessToken);
    await page.locator('.modal-ux button.authorize').click();
    await page.waitForSelector('.modal-ux button::-p-text(Logout)');
    await page.locator('.modal-ux button.btn-done').click();
    await page.waitForSelector('.modal-ux', { hidden: true });
  }

  /** The example Swagger UI shows for a documented answer of an operation. */
  async function documentedExample(operationId: string, status: number): Promise<unknown> {
    const example = `${operation(operationId)} .responses-table tr.response[data-code="${status}"] .highlight-code pre`;
    return JSON.parse(
      await page.$eval(
        example,
        (element: { textContent: string | null }) => element.textContent ?? '',
      ),
    ) as unknown;
  }

  async function refreshCookie(): Promise<Cookie | undefined> {
    return (await browser.cookies()).find((cookie) => cookie.name === COOKIE);
  }

  function accessTokenOf(body: unknown): string {
    return (body as { data: { accessToken: string } }).data.accessToken;
  }

  it(
    'walks sign-up, sign-in, Authorize, refresh, revoke and logout, with the HttpOnly cookie in the jar',
    async () => {
      const username = uniqueUsername('swagger');

      await tryItOut('signUp');
      await setBody('signUp', { username, password: PASSWORD });
      expect((await execute('signUp')).status).toBe(201);

      await tryItOut('signIn');
      await setBody('signIn', { username, password: PASSWORD });
      const signIn = await execute('signIn');
      expect(signIn.status).toBe(200);
      const signedIn = await refreshCookie();
      expect(signedIn).toMatchObject({ httpOnly: true, path: '/' });
      expect(signedIn!.value).not.toBe('');

      await authorize(accessTokenOf(signIn.body));
      await tryItOut('me');
      expect(await execute('me')).toMatchObject({ status: 200, body: { data: { username } } });

      // the browser sends the cookie itself; the route has no credentials to fill in
      await tryItOut('refreshToken');
      expect((await execute('refreshToken')).status).toBe(200);
      const rotated = await refreshCookie();
      expect(rotated).toMatchObject({ httpOnly: true });
      expect(rotated!.value).not.toBe(signedIn!.value);

      // the prefilled example has no token: the cookie's token is revoked, and the cookie cleared
      await tryItOut('revokeToken');
      const prefilled = await page.$eval(
        `${operation('revokeToken')} textarea.body-param__text`,
        (element: { value?: string }) => element.value ?? '',
      );
      expect(JSON.parse(prefilled)).toEqual({});
      // the documented answers show their own status and this route's path
      for (const status of [200, 400, 401]) {
        expect(await documentedExample('revokeToken', status)).toMatchObject({
          statusCode: status,
          path: '/auth/revoke-token',
        });
      }
      expect((await execute('revokeToken')).status).toBe(200);
      expect(await refreshCookie()).toBeUndefined();
      // revoking ends the session, so its access token is refused from now on
      expect((await execute('me')).status).toBe(401);

      const again = await execute('signIn');
      expect(again.status).toBe(200);
      expect((await refreshCookie())?.httpOnly).toBe(true);
      await authorize(accessTokenOf(again.body));
      await tryItOut('logout');
      expect((await execute('logout')).status).toBe(200);
      expect(await refreshCookie()).toBeUndefined();
      expect((await execute('me')).status).toBe(401);
    },
    10 * UI_TIMEOUT_MS,
  );
});
