import { dirname, join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';

/** GraphiQL, served by this server outside production: a GraphQL IDE that needs no internet. */
export const GRAPHIQL_PATH = '/graphiql';

const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

/**
 * What the page loads, each a file of an npm package installed with the project (GraphiQL 3 and
 * React 18 ship browser bundles; later majors do not) or of this app: nothing from a CDN.
 */
const ASSETS: Record<string, string> = {
  'graphiql.min.css': join(packageDir('graphiql'), 'graphiql.min.css'),
  'react.production.min.js': join(packageDir('react'), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': join(
    packageDir('react-dom'),
    'umd',
    'react-dom.production.min.js',
  ),
  'graphiql.min.js': join(packageDir('graphiql'), 'graphiql.min.js'),
  'start.js': join(__dirname, 'graphiql.browser.js'),
};

/** Scripts are files, not inline: the page passes the app's Content-Security-Policy as it is. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>GraphiQL · Auth service</title>
  <link rel="icon" href="/favicon.ico">
  <link rel="stylesheet" href="${GRAPHIQL_PATH}/graphiql.min.css">
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${GRAPHIQL_PATH}/react.production.min.js"></script>
  <script src="${GRAPHIQL_PATH}/react-dom.production.min.js"></script>
  <script src="${GRAPHIQL_PATH}/graphiql.min.js"></script>
  <script src="${GRAPHIQL_PATH}/start.js"></script>
</body>
</html>
`;

export function serveGraphiql(app: INestApplication): void {
  const http = app.getHttpAdapter();
  http.get(GRAPHIQL_PATH, (_req: Request, res: Response) => res.type('html').send(PAGE));
  for (const [name, file] of Object.entries(ASSETS)) {
    http.get(`${GRAPHIQL_PATH}/${name}`, (_req: Request, res: Response) => res.sendFile(file));
  }
}

const OFFLINE_LINK = `<p><a href="${GRAPHIQL_PATH}">Open GraphiQL</a>: served by this server, it works offline.</p>`;

/**
 * The fallback text with a link to GraphiQL. Sandbox's empty container lies over that text until
 * Sandbox fills it: hidden while empty, so the link can be clicked. Apollo's page allows only
 * styles with its nonce.
 */
function withGraphiqlLink(html: string): string {
  const nonce = /<style nonce="?([0-9a-f]+)/.exec(html)?.[1] ?? '';
  return html
    .replace(/(<div class="fallback">[\s\S]*?)(<\/div>)/, `$1${OFFLINE_LINK}$2`)
    .replace(
      '</head>',
      `<style nonce="${nonce}">#embeddableSandbox:empty { display: none; }</style></head>`,
    );
}

/**
 * Apollo Sandbox on GET /graphql. Sandbox itself comes from Apollo's CDN, so its page links
 * GraphiQL twice: in the first operation Sandbox shows, and in the text the page falls back to
 * when Sandbox cannot load (offline), which Apollo's options cannot change.
 */
export function sandboxLandingPage(): ApolloServerPlugin {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({
    includeCookies: true,
    footer: false,
    embed: { runTelemetry: false },
    document: `# Offline, or rather in GraphiQL? This server serves it at ${GRAPHIQL_PATH}\n\nquery Me {\n  me {\n    id\n    username\n  }\n}\n`,
  });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart!(service);
      return {
        async renderLandingPage() {
          const { html } = await listener!.renderLandingPage!();
          return {
            html: async () => withGraphiqlLink(typeof html === 'string' ? html : await html()),
          };
        },
      };
    },
  };
}
