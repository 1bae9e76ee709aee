import type { Cookie, Page } from 'puppeteer-core';
import { PASSWORD, uniqueUsername } from '../support/auth-helpers';
import { Authenticator } from '../support/mfa-helpers';
import {
  BrowserSession,
  haveBrowser,
  openBrowser,
  retype,
  UI_TIMEOUT_MS,
  waitForInputValue,
} from '../support/browser';
import { createTestApp, TestApp } from '../support/test-app';

const COOKIE = 'refreshToken';
const OBJECT_ID = /^[0-9a-f]{24}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const COOKIE_ROUTES = [
  'AuthController_refreshToken',
  'AuthController_revokeToken',
  'AuthController_logout',
];

/** Swagger UI's block for one operation (its id is `operations-<tag>-<operationId>`). */
function operation(operationId: string): string {
  return `[id^="operations-"][id$="-${operationId}"]`;
}

/** The field names of a JSON value and of every object in it, in their order. */
function keysIn(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap(keysIn);
  return Object.entries(value).flatMap(([key, each]) => [key, ...keysIn(each)]);
}

/** Every string anywhere in a JSON value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(stringsIn);
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(
    selector,
    (element: { textContent: string | null }) => element.textContent ?? '',
  );
}

(haveBrowser ? describe : describe.skip)('Swagger UI in a real browser', () => {
  let t: TestApp;
  let session: BrowserSession;
  let page: Page;
  /** Every page resource (script, style, icon, document) that failed. */
  const failedResources: string[] = [];

  beforeAll(async () => {
    // settings other than the defaults: the page must show the running ones
    t = await createTestApp({ FRESH_LOGIN_MAX_AGE: '7m', SESSION_CHECK_CACHE_SECONDS: '3' });
    session = await openBrowser(t);
    page = session.page;
    page.on('response', (response) => {
      const type = response.request().resourceType();
      if (response.status() >= 400 && type !== 'xhr' && type !== 'fetch') {
        failedResources.push(`${response.status()} ${response.url()}`);
      }
    });
    await page.goto(`${session.origin}/api-docs`);
    await page.waitForSelector(operation('AuthController_signIn'));
  }, 5 * UI_TIMEOUT_MS);

  afterAll(async () => {
    await session?.close();
    await t?.close();
  });

  /** Opens an operation's block (once). */
  async function expand(operationId: string): Promise<void> {
    const block = operation(operationId);
    if ((await page.$(`${block}.is-open`)) !== null) return;
    await page.locator(`${block} .opblock-summary-control`).click();
    await page.waitForSelector(`${block}.is-open .opblock-body`);
  }

  /** Opens an operation and presses "Try it out" (once per operation). */
  async function tryItOut(operationId: string): Promise<void> {
    const block = operation(operationId);
    await expand(operationId);
    if ((await page.$(`${block} .execute`)) !== null) return;
    await page.locator(`${block} .try-out__btn`).click();
    await page.waitForSelector(`${block} .execute`);
  }

  /** Replaces the request body by keyboard (filling it leaves Swagger UI's state as it was). */
  async function setBody(operationId: string, text: string): Promise<void> {
    await retype(page, `${operation(operationId)} textarea.body-param__text`, text);
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
    const shown = await textOf(page, status);
    const text = await textOf(
      page,
      `${block} .live-responses-table .response-col_description .highlight-code pre`,
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
    await expand(operationId);
    return JSON.parse(
      await textOf(
        page,
        `${operation(operationId)} .responses-table tr.response[data-code="${status}"] .highlight-code pre`,
      ),
    ) as unknown;
  }

  async function refreshCookie(): Promise<Cookie | undefined> {
    return (await session.browser.cookies()).find((cookie) => cookie.name === COOKIE);
  }

  async function pathParameterValue(operationId: string, name: string): Promise<string> {
    return page.$eval(
      `${operation(operationId)} tr[data-param-name="${name}"][data-param-in="path"] input`,
      (input: { value?: string }) => input.value ?? '',
    );
  }

  function accessTokenOf(body: unknown): string {
    return (body as { data: { accessToken: string } }).data.accessToken;
  }

  it('shows success examples that look like real answers', async () => {
    const signIn = (await documentedExample('AuthController_signIn', 200)) as {
      data: { accessToken: string; user: { id: string; disabled: boolean } };
    };
    // like a real answer: `success` first and `data` last, a JWT whose claims agree with the user
    expect(Object.keys(signIn)).toEqual([
      'success',
      'statusCode',
      'path',
      'timestamp',
      'requestId',
      'data',
    ]);
    expect(signIn.data.accessToken).toMatch(JWT);
    expect(claimsOf(signIn.data.accessToken)).toMatchObject({ sub: signIn.data.user.id });
    for (const operationId of [
      'AuthController_signUp',
      'AuthController_signIn',
      'AuthController_refreshToken',
      'AuthController_me',
    ]) {
      const example = (await documentedExample(
        operationId,
        operationId.endsWith('signUp') ? 201 : 200,
      )) as {
        data: { disabled?: boolean; user?: { disabled: boolean } };
      };
      expect({ operationId, disabled: (example.data.user ?? example.data).disabled }).toEqual({
        operationId,
        disabled: false,
      });
    }

    const sessions = (await documentedExample('SessionsController_list', 200)) as {
      timestamp: string;
      data: {
        id: string;
        ip: string;
        createdAt: string;
        lastUsedAt: string;
        expiresAt: string;
        absoluteExpiresAt: string;
      }[];
    };
    const [listed] = sessions.data;
    expect(listed.id).toMatch(OBJECT_ID);
    expect(listed.ip).toMatch(IPV4);
    // dates in the order a real session has them
    const times = [
      listed.createdAt,
      listed.lastUsedAt,
      sessions.timestamp,
      listed.expiresAt,
      listed.absoluteExpiresAt,
    ];
    expect(times.map(Date.parse)).toEqual([...times.map(Date.parse)].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);

    const tokens = (await documentedExample('RefreshTokensController_list', 200)) as {
      data: { id: string; createdByIp: string; revokedByIp: string | null }[];
    };
    expect(tokens.data[0]).toMatchObject({
      id: expect.stringMatching(OBJECT_ID),
      createdByIp: expect.stringMatching(IPV4),
      revokedByIp: null,
    });
    const events = (await documentedExample('SecurityEventsController_list', 200)) as {
      data: { id: string; ip: string; sessionId: string; actorId: string }[];
    };
    expect(events.data[0]).toMatchObject({
      id: expect.stringMatching(OBJECT_ID),
      ip: expect.stringMatching(IPV4),
      sessionId: expect.stringMatching(OBJECT_ID),
      actorId: expect.stringMatching(OBJECT_ID),
    });

    // no placeholder "string" anywhere: not for a token, an IP, an id or anything else
    for (const example of [signIn, sessions, tokens, events]) {
      expect(stringsIn(example)).not.toContain('string');
    }
  });

  it("lists sign-in's 403 codes with an example of each", async () => {
    await expand('AuthController_signIn');
    const row = `${operation('AuthController_signIn')} .responses-table tr.response[data-code="403"]`;
    expect(await textOf(page, `${row} .response-col_description`)).toContain('ACCOUNT_DISABLED');
    expect(await documentedExample('AuthController_signIn', 403)).toMatchObject({
      success: false,
      statusCode: 403,
      path: '/auth/sign-in',
      error: { code: 'ACCOUNT_DISABLED' },
    });
  });

  it('says on each cookie route that the browser sends the cookie, and how to send it with curl', async () => {
    for (const operationId of COOKIE_ROUTES) {
      await expand(operationId);
      const block = operation(operationId);
      expect({
        operationId,
        text: await textOf(page, `${block} .opblock-description-wrapper`),
      }).toEqual({
        operationId,
        text: expect.stringContaining('-b cookies.txt'),
      });
      const cookie = `${block} tr[data-param-name="${COOKIE}"][data-param-in="cookie"]`;
      const described = await textOf(page, `${cookie} .parameters-col_description`);
      expect(described).toContain('Your browser sends this HttpOnly cookie');
      expect(described).not.toMatch(/required/i);
      expect(await page.$(`${cookie} .parameter__name.required`)).toBeNull();
    }
  });

  it("shows this server's settings, and links the OpenAPI JSON and the GraphQL IDEs", async () => {
    await expand('AuthController_changePassword');
    expect(
      await textOf(
        page,
        `${operation('AuthController_changePassword')} .opblock-description-wrapper`,
      ),
    ).toContain('7 minutes (FRESH_LOGIN_MAX_AGE)');
    await expand('SessionsController_revoke');
    expect(
      await textOf(page, `${operation('SessionsController_revoke')} .opblock-description-wrapper`),
    ).toContain('3 seconds (SESSION_CHECK_CACHE_SECONDS)');
    for (const link of ['/api-docs-json', '/graphql', '/graphiql']) {
      expect(await page.$(`.information-container a[href="${link}"]`)).not.toBeNull();
    }
  });

  it(
    'walks sign-up, sign-in, Authorize, sessions, refresh, revoke and logout, with the HttpOnly cookie in the jar',
    async () => {
      const username = uniqueUsername('swagger');

      await tryItOut('AuthController_signUp');
      await setBody('AuthController_signUp', JSON.stringify({ username, password: PASSWORD }));
      expect((await execute('AuthController_signUp')).status).toBe(201);

      await tryItOut('AuthController_signIn');
      await setBody('AuthController_signIn', JSON.stringify({ username, password: PASSWORD }));
      const signIn = await execute('AuthController_signIn');
      expect(signIn.status).toBe(200);
      const signedIn = await refreshCookie();
      expect(signedIn).toMatchObject({ httpOnly: true, path: '/' });
      expect(signedIn!.value).not.toBe('');
      // the documented answer has the real one's fields, in its order
      const documented = await documentedExample('AuthController_signIn', 200);
      expect(keysIn(documented)).toEqual(keysIn(signIn.body));

      // the user id fields are empty before Authorize, and the caller's own after it
      await tryItOut('SessionsController_list');
      expect(await pathParameterValue('SessionsController_list', 'id')).toBe('');
      await authorize(accessTokenOf(signIn.body));
      const userId = (signIn.body as { data: { user: { id: string } } }).data.user.id;
      await waitForInputValue(
        page,
        `${operation('SessionsController_list')} tr[data-param-name="id"][data-param-in="path"] input`,
        userId,
      );
      expect(await execute('SessionsController_list')).toMatchObject({
        status: 200,
        body: { data: [{ current: true }] },
      });
      await tryItOut('SessionsController_revoke');
      expect(await pathParameterValue('SessionsController_revoke', 'id')).toBe(userId);
      // a session id is the caller's to choose: empty, with where to find one
      expect(await pathParameterValue('SessionsController_revoke', 'sessionId')).toBe('');
      expect(
        await textOf(
          page,
          `${operation('SessionsController_revoke')} tr[data-param-name="sessionId"] .parameters-col_description`,
        ),
      ).toContain('GET /users/{id}/sessions');

      await tryItOut('AuthController_me');
      expect(await execute('AuthController_me')).toMatchObject({
        status: 200,
        body: { data: { username } },
      });
      // the long bearer token wraps in the curl command and the answer instead of running off
      for (const box of ['.curl-command pre', '.live-responses-table .highlight-code pre']) {
        expect({
          box,
          fits: await page.$eval(
            `${operation('AuthController_me')} ${box}`,
            (element: { scrollWidth: number; clientWidth: number }) =>
              element.scrollWidth <= element.clientWidth,
          ),
        }).toEqual({ box, fits: true });
      }

      // the browser sends the cookie itself; the route has no credentials to fill in
      await tryItOut('AuthController_refreshToken');
      expect((await execute('AuthController_refreshToken')).status).toBe(200);
      const rotated = await refreshCookie();
      expect(rotated).toMatchObject({ httpOnly: true });
      expect(rotated!.value).not.toBe(signedIn!.value);

      // the prefilled example has no token: the cookie's token is revoked, and the cookie cleared
      await tryItOut('AuthController_revokeToken');
      const prefilled = await page.$eval(
        `${operation('AuthController_revokeToken')} textarea.body-param__text`,
        (element: { value?: string }) => element.value ?? '',
      );
      expect(JSON.parse(prefilled)).toEqual({});
      // the documented answers show their own status and this route's path
      for (const status of [200, 400, 401]) {
        expect(await documentedExample('AuthController_revokeToken', status)).toMatchObject({
          statusCode: status,
          path: '/auth/revoke-token',
        });
      }
      expect((await execute('AuthController_revokeToken')).status).toBe(200);
      expect(await refreshCookie()).toBeUndefined();
      // revoking ends the session, so its access token is refused from now on
      expect((await execute('AuthController_me')).status).toBe(401);

      const again = await execute('AuthController_signIn');
      expect(again.status).toBe(200);
      expect((await refreshCookie())?.httpOnly).toBe(true);
      await authorize(accessTokenOf(again.body));
      // the body is optional: emptied, it is not sent, and the current session ends
      await tryItOut('AuthController_logout');
      await setBody('AuthController_logout', '');
      expect((await execute('AuthController_logout')).status).toBe(200);
      expect(await refreshCookie()).toBeUndefined();
      expect((await execute('AuthController_me')).status).toBe(401);
    },
    10 * UI_TIMEOUT_MS,
  );

  it(
    'walks turning TOTP on and the two-step sign-in: MFA_REQUIRED with its mfaToken, then verify',
    async () => {
      const username = uniqueUsername('swagmfa');
      await tryItOut('AuthController_signUp');
      await setBody('AuthController_signUp', JSON.stringify({ username, password: PASSWORD }));
      expect((await execute('AuthController_signUp')).status).toBe(201);
      await tryItOut('AuthController_signIn');
      await setBody('AuthController_signIn', JSON.stringify({ username, password: PASSWORD }));
      const signIn = await execute('AuthController_signIn');
      await authorize(accessTokenOf(signIn.body));

      await tryItOut('MfaController_setupTotp');
      const setup = await execute('MfaController_setupTotp');
      expect(setup.status).toBe(200);
      const authenticator = new Authenticator(
        (setup.body as { data: { secret: string } }).data.secret,
      );
      await tryItOut('MfaController_confirmTotp');
      await setBody(
        'MfaController_confirmTotp',
        JSON.stringify({ code: await authenticator.code() }),
      );
      const confirmed = await execute('MfaController_confirmTotp');
      expect(confirmed.status).toBe(200);
      expect(
        (confirmed.body as { data: { recoveryCodes: string[] } }).data.recoveryCodes,
      ).toHaveLength(10);

      const cookieBefore = await refreshCookie();
      const firstStep = await execute('AuthController_signIn');
      expect(firstStep.status).toBe(401);
      const { mfaToken } = (firstStep.body as { error: { code: string; mfaToken: string } }).error;
      expect(firstStep.body).toMatchObject({ error: { code: 'MFA_REQUIRED' } });
      expect((await refreshCookie())?.value).toBe(cookieBefore?.value);

      await tryItOut('AuthController_verifyMfa');
      await setBody(
        'AuthController_verifyMfa',
        JSON.stringify({ mfaToken, code: await authenticator.code() }),
      );
      const verified = await execute('AuthController_verifyMfa');
      expect(verified.status).toBe(200);
      expect(claimsOf(accessTokenOf(verified.body))).toMatchObject({
        amr: ['pwd', 'mfa'],
        fresh: true,
      });
      const cookieAfter = await refreshCookie();
      expect(cookieAfter).toMatchObject({ httpOnly: true });
      expect(cookieAfter!.value).not.toBe(cookieBefore?.value);
    },
    10 * UI_TIMEOUT_MS,
  );

  it('loads every file of the page, icon included, within its Content-Security-Policy', async () => {
    expect(await page.$eval('link[rel="icon"]', (link: { href: string }) => link.href)).toBe(
      `${session.origin}/favicon.ico`,
    );
    const icon = await page.evaluate(async () => {
      const response = await fetch('/favicon.ico');
      return { status: response.status, type: response.headers.get('content-type') };
    });
    expect(icon).toEqual({ status: 200, type: expect.stringMatching(/^image\/svg\+xml/) });
    expect(failedResources).toEqual([]);
    expect(await session.cspViolations()).toEqual([]);
  });
});
