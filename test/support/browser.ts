import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, HTTPRequest, Page } from 'puppeteer-core';
import type { TestApp } from './test-app';

/** Debian's package; CI installs it (.ci/run). Nothing is downloaded at run time. */
const CHROMIUM = '/usr/bin/chromium';
/** Only a bound for a browser that stopped answering; every wait is for a state of the page. */
export const UI_TIMEOUT_MS = 120_000;

export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  process.stderr.write(
    `Browser tests SKIPPED: no Chromium at ${CHROMIUM}. Install it with \`apt-get install chromium\`.\n`,
  );
}

/** Runs first in every document: collects what its Content-Security-Policy refused. */
const RECORD_CSP_VIOLATIONS = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) =>
    window.cspViolations.push(event.effectiveDirective + ' ' + event.blockedURI));
`;

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** The app's own origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** Content-Security-Policy violations the pages reported, as `directive blocked-uri`. */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the app on a free port and a headless Chromium with a fresh profile and one page. */
export async function openBrowser(t: TestApp): Promise<BrowserSession> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const profile = mkdtempSync(join(tmpdir(), 'auth-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    timeout: UI_TIMEOUT_MS,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.evaluateOnNewDocument(RECORD_CSP_VIOLATIONS);
  return {
    browser,
    page,
    origin: `http://127.0.0.1:${port}`,
    cspViolations: () => page.evaluate('window.cspViolations') as Promise<string[]>,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Cuts the page off from every host but the app, as with no internet: requests elsewhere fail as
 * a disconnected network would fail them. Returns the addresses that were refused.
 */
export async function cutNetwork(session: BrowserSession): Promise<string[]> {
  const refused: string[] = [];
  await session.page.setRequestInterception(true);
  session.page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    if (url.startsWith(`${session.origin}/`) || url.startsWith('data:')) {
      void request.continue();
    } else {
      refused.push(url);
      void request.abort('internetdisconnected');
    }
  });
  return refused;
}

/** The tests compile without the DOM's types: what page functions use of it. */
export interface PageGlobals {
  document: { querySelector(selector: string): { value?: string } | null };
}

/** Waits until the input `selector` shows `value`. */
export async function waitForInputValue(
  page: Page,
  selector: string,
  value: string,
): Promise<void> {
  await page.waitForFunction(
    (inputSelector: string, expected: string) =>
      (globalThis as unknown as PageGlobals).document.querySelector(inputSelector)?.value ===
      expected,
    {},
    selector,
    value,
  );
}

/** Replaces the text of a field or editor by keyboard, as a person would: select all, delete, type. */
export async function retype(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).click();
  await page.keyboard.down('Control');
  await page.keyboard.press('a');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}
