import { Router } from 'express';
import type { Request, Response } from 'express';
import { RESET_PASSWORD_PATH, VERIFY_EMAIL_PATH } from '../recovery-mails';

/** The one script of both pages: the CSP (http/security-headers.ts) runs scripts from files only. */
const SCRIPT_PATH = '/recovery-pages/page.js';

/**
 * Reads the token from the page's own address (and takes it out of the address bar and history),
 * sends the form to the API as JSON, and shows the answer as text (never as HTML).
 */
const SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('form');
  var result = document.getElementById('result');
  var button = form.querySelector('button');
  var token = new URLSearchParams(window.location.search).get('token');
  window.history.replaceState(null, '', window.location.pathname);
  if (!token) {
    form.hidden = true;
    result.textContent = 'This address has no token: open the link from the mail.';
    return;
  }
  function show(text) {
    result.textContent = text;
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { token: token };
    form.querySelectorAll('input').forEach(function (input) {
      body[input.name] = input.value;
    });
    button.disabled = true;
    show('Sending...');
    fetch(form.dataset.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (answer.success) {
          form.hidden = true;
          show(form.dataset.done);
          return;
        }
        var details = (answer.error.details || []).map(function (detail) {
          return detail.message;
        });
        show([answer.error.message].concat(details).join(': '));
        button.disabled = false;
      })
      .catch(function () {
        show('The service did not answer. Try again.');
        button.disabled = false;
      });
  });
})();
`;

interface Page {
  title: string;
  endpoint: string;
  done: string;
  fields: string;
  submit: string;
}

function html({ title, endpoint, done, fields, submit }: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }
label, input, button { display: block; margin: 0.5rem 0; font-size: 1rem; }
input { width: 100%; padding: 0.4rem; box-sizing: border-box; }
</style>
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body>
<main>
<h1>${title}</h1>
<form id="form" data-endpoint="${endpoint}" data-done="${done}">
${fields}
<button type="submit">${submit}</button>
</form>
<p id="result" role="status"></p>
</main>
</body>
</html>
`;
}

const PAGES: Record<string, string> = {
  [VERIFY_EMAIL_PATH]: html({
    title: 'Verify your email address',
    endpoint: '/auth/email/verify',
    done: 'Your email address is verified.',
    fields: '',
    submit: 'Verify my email address',
  }),
  [RESET_PASSWORD_PATH]: html({
    title: 'Choose a new password',
    endpoint: '/auth/password/reset',
    done: 'Your password is changed. Sign in with the new one.',
    fields:
      '<label for="newPassword">New password (8 to 72 bytes)</label>\n' +
      '<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" minlength="8" required>',
    submit: 'Set the new password',
  }),
};

/** The pages carry the app's security headers already; this one is said again, for the token. */
function send(res: Response, type: string, body: string): void {
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.type(type).send(body);
}

/**
 * The two pages mails link to (APP_URL + /verify-email?token=…, /reset-password?token=…), each a
 * form that calls the API, so a person can follow a mail to the end without a frontend. Served
 * outside production only: in production APP_URL is the frontend that serves these paths. The
 * server never writes the token into the HTML; the page's script reads it from the address.
 */
export function recoveryPages(): Router {
  const router = Router();
  for (const [path, page] of Object.entries(PAGES)) {
    router.get(path, (_req: Request, res: Response) => send(res, 'html', page));
  }
  router.get(SCRIPT_PATH, (_req: Request, res: Response) => send(res, 'js', SCRIPT));
  return router;
}
