/**
 * `npx ts-node bench/profile-summary.ts <file.cpuprofile> [from-s [to-s]]`: where a server's CPU
 * went, as shares of its busy samples (idle excluded), by pipeline stage and by library or source
 * file (self time). A sample belongs to the innermost stage on its stack, so a middleware is charged
 * for what it calls (say, `setHeader`) but not for the middlewares its `next()` runs. Shares within
 * one profile are what compare; absolute times on a shared machine do not.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Pipeline stages, matched against each frame from the leaf up; the first match takes the sample. */
const STAGES: [string, (frame: CallFrame) => boolean][] = [
  [
    'logging (pino-http, nestjs-pino, pino, redaction, write)',
    (f) =>
      /\/logging\/|\/node_modules\/(pino|pino-http|pino-std-serializers|nestjs-pino|sonic-boom|@pinojs\/redact)\//.test(
        f.url,
      ),
  ],
  ['helmet', (f) => f.url.includes('/node_modules/helmet/')],
  ['security-headers (precomputed)', (f) => f.url.includes('/http/security-headers')],
  ['request id', (f) => f.url.includes('request-id.middleware')],
  ['cookie-parser', (f) => f.url.includes('/node_modules/cookie-parser/')],
  ['JSON body parser', (f) => /json-body|\/body-parser\//.test(f.url)],
  ['JWT guard (passport)', (f) => /jwt-auth\.guard|jwt\.strategy|\/passport/.test(f.url)],
  ['rate-limit guard', (f) => f.url.includes('rate-limit.guard')],
  // building the envelope; sending it (the adapter's reply) counts under Nest, as any reply does
  ['envelope', (f) => f.url.includes('/http/envelope.')],
  ['validation pipe', (f) => /\/common\/validation|class-validator|class-transformer/.test(f.url)],
  ['exception filter', (f) => f.url.includes('all-exceptions.filter')],
  ['mongoose / driver', (f) => /\/node_modules\/(mongoose|mongodb|bson)\//.test(f.url)],
  [
    'GraphQL (Apollo, graphql-js)',
    (f) => /\/node_modules\/(@apollo|graphql|@nestjs\/graphql)/.test(f.url),
  ],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['Nest (router, context, pipes)', (f) => f.url.includes('/node_modules/@nestjs/core/')],
  ['RxJS', (f) => f.url.includes('/node_modules/rxjs/')],
  ['Express (router, response)', (f) => /\/node_modules\/(express|router)\//.test(f.url)],
];

function library(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0];
  const own = /\/(dist|src)\/(.+?)(\.js|\.ts)?$/.exec(url);
  return own !== null ? `project: ${own[2]}` : url;
}

/** Only samples from `fromS` to `toS` seconds after the profile began (the load, not start-up). */
function main(file: string, fromS = 0, toS = Infinity): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const stages = new Map<string, number>();
  let busy = 0;
  let clockUs = 0;
  const perSecond: number[] = [];
  for (const [index, id] of profile.samples.entries()) {
    clockUs += profile.timeDeltas[index];
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === '(idle)') continue;
    const second = Math.floor(clockUs / 1e6);
    perSecond[second] = (perSecond[second] ?? 0) + 1;
    if (second < fromS || second >= toS) continue;
    busy += 1;
    const lib = library(leaf.callFrame);
    self.set(lib, (self.get(lib) ?? 0) + 1);
    let stage = `other: ${lib}`;
    search: for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      for (const [name, matches] of STAGES) {
        if (matches(frame)) {
          stage = name;
          break search;
        }
      }
    }
    stages.set(stage, (stages.get(stage) ?? 0) + 1);
  }

  const pct = (count: number): string => `${((count / busy) * 100).toFixed(1)}%`;
  const table = (title: string, counts: Map<string, number>, top: number): void => {
    process.stdout.write(`\n| ${title} | share of busy CPU |\n|---|---:|\n`);
    for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top))
      process.stdout.write(`| ${name} | ${pct(count)} |\n`);
  };
  process.stdout.write(
    `${file}: ${busy} busy samples of ${profile.samples.length} from ${fromS} s to ${toS} s\n` +
      `busy samples per second: ${Array.from(perSecond, (count) => count ?? 0).join(' ')}\n`,
  );
  table('pipeline stage', stages, 30);
  table('library or file (self)', self, 25);
}

const [file, from, to] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write(
    'usage: ts-node bench/profile-summary.ts <file.cpuprofile> [from-s [to-s]]\n',
  );
  process.exit(2);
}
main(file, Number(from ?? 0), to === undefined ? Infinity : Number(to));
