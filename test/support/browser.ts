import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser } from 'puppeteer-core';

/** Debian's package; CI installs it (.ci/run). Nothing is downloaded at run time. */
export const CHROMIUM = '/usr/bin/chromium';
/** Only a bound for a browser that stopped answering; every wait is for a state of the page. */
export const UI_TIMEOUT_MS = 120_000;

/** Whether Chromium is there; when not, says which test is skipped and how to get it. */
export function haveBrowser(test: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  process.stderr.write(
    `${test} SKIPPED: no Chromium at ${CHROMIUM}. Install it with \`apt-get install chromium\`.\n`,
  );
  return false;
}

/** Headless Chromium with a fresh profile of its own; `close()` removes the profile too. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
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
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
