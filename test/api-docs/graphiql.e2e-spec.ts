import type { Page } from 'puppeteer-core';
import {
  BrowserSession,
  cutNetwork,
  haveBrowser,
  openBrowser,
  retype,
  UI_TIMEOUT_MS,
} from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const HEADER_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
const RESPONSE = '.graphiql-response .CodeMirror';

interface CodeMirrorElement {
  CodeMirror: { getValue(): string };
}

(haveBrowser ? describe : describe.skip)('GraphiQL with no internet', () => {
  let t: TestApp;
  let session: BrowserSession;
  let page: Page;
  let refused: string[];

  beforeAll(async () => {
    t = await createTestApp();
    session = await openBrowser(t);
    page = session.page;
    // CodeMirror draws only the lines in view: tall enough for every operation the page opens with
    await page.setViewport({ width: 1280, height: 1600 });
    refused = await cutNetwork(session);
  }, 5 * UI_TIMEOUT_MS);

  afterAll(async () => {
    await session?.close();
    await t?.close();
  });

  /**
   * Runs the operation of the first operation's line that contains `line`, as the page says: a
   * click inside it, then Ctrl-Enter. Reads the answer GraphiQL shows.
   */
  async function run(line: string): Promise<Record<string, unknown>> {
    const previous = await page.$eval(RESPONSE, (element: CodeMirrorElement) =>
      element.CodeMirror.getValue(),
    );
    await page.locator(`${QUERY_EDITOR} .CodeMirror-line ::-p-text(${line})`).click();
    await page.keyboard.down('Control');
    await page.keyboard.press('Enter');
    await page.keyboard.up('Control');
    await page.waitForFunction(
      (selector: string, before: string) => {
        const element = (
          globalThis as unknown as { document: { querySelector(s: string): unknown } }
        ).document.querySelector(selector) as CodeMirrorElement | null;
        const text = element?.CodeMirror.getValue() ?? '';
        return text !== before && text.trim().startsWith('{');
      },
      {},
      RESPONSE,
      previous,
    );
    return JSON.parse(
      await page.$eval(RESPONSE, (element: CodeMirrorElement) => element.CodeMirror.getValue()),
    ) as Record<string, unknown>;
  }

  it('links GraphiQL from the Sandbox page that cannot load', async () => {
    await page.goto(`${session.origin}/graphql`);
    await page.locator('.fallback a::-p-text(Open GraphiQL)').click();
    await page.waitForSelector(QUERY_EDITOR);
    expect(page.url()).toBe(`${session.origin}/graphiql`);
    // Sandbox wanted Apollo's CDN, which this browser cannot reach
    expect(refused.some((url) => url.includes('apollographql.com'))).toBe(true);
  });

  it(
    'runs signIn and then me, the bearer in the header editor and the cookie in the jar',
    async () => {
      refused.length = 0;
      await page.goto(`${session.origin}/graphiql`);
      await page.waitForSelector(QUERY_EDITOR);

      // the operations the page opens with, as they are
      expect(await run('mutation SignUp')).toMatchObject({
        data: { signUp: { username: 'ada.lovelace' } },
      });
      const signIn = (await run('mutation SignIn')) as {
        data: { signIn: { accessToken: string; user: { username: string } } };
      };
      expect(signIn.data.signIn.user.username).toBe('ada.lovelace');
      const cookie = (await session.browser.cookies()).find(({ name }) => name === 'refreshToken');
      expect(cookie).toMatchObject({ httpOnly: true });

      await page.locator('.graphiql-editor-tools button::-p-text(Headers)').click();
      await retype(
        page,
        HEADER_EDITOR,
        `{"Authorization": "Bearer ${signIn.data.signIn.accessToken}"}`,
      );
      expect(await run('query Me')).toMatchObject({ data: { me: { username: 'ada.lovelace' } } });

      // everything came from this server, within its Content-Security-Policy
      expect(refused).toEqual([]);
      expect(await session.cspViolations()).toEqual([]);
    },
    5 * UI_TIMEOUT_MS,
  );
});
