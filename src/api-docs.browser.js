// Runs in the browser, on the Swagger UI page (src/api-docs.setup.ts serves it as a file: the
// page's Content-Security-Policy allows no inline script). After Authorize, every user `id` path
// parameter shows the caller's own id, read from the token's `sub`, so "Try it out" works at once.
// A value the person typed stays: Swagger UI keeps typed values apart and prefers them.
'use strict';

const USER_ID_PARAMETER = 'id';

/** The `sub` of a bearer JWT, or '' when there is none (the fields are emptied again). */
function callerIdOf(token) {
  if (typeof token !== 'string') return '';
  try {
    const claims = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const sub = JSON.parse(atob(claims)).sub;
    return /^[0-9a-f]{24}$/.test(sub) ? sub : '';
  } catch {
    return '';
  }
}

function fillUserIds(ui, callerId) {
  const paths = ui.specSelectors.specJson().get('paths');
  if (paths === undefined) return;
  paths.forEach((operations, path) => {
    if (!path.includes(`{${USER_ID_PARAMETER}}`)) return;
    operations.forEach((_operation, method) =>
      ui.specActions.changeParam([path, method], USER_ID_PARAMETER, 'path', callerId),
    );
  });
}

// Nest's swagger-ui-init.js creates `window.ui` in its window.onload, which runs before this.
window.addEventListener('load', () => {
  const ui = window.ui;
  let filled = { paths: undefined, callerId: '' };
  const update = () => {
    const paths = ui.specSelectors.specJson().get('paths');
    const callerId = callerIdOf(ui.authSelectors.authorized().getIn(['bearer', 'value']));
    if (callerId === filled.callerId && (paths === filled.paths || callerId === '')) return;
    filled = { paths, callerId };
    fillUserIds(ui, callerId);
  };
  ui.getStore().subscribe(update);
  update();
});
