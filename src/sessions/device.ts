import Bowser from 'bowser';

/** Distinct User-Agents whose summary is remembered; the oldest is forgotten first. */
const REMEMBERED_AGENTS = 1_000;
/** Longer User-Agents (no real browser sends one) are parsed each time, so the memory stays small. */
const REMEMBERED_AGENT_MAX_LENGTH = 512;
const remembered = new Map<string, string | null>();

/**
 * A short summary of a User-Agent such as `Chrome 131 on macOS`, or null when the parser
 * recognises neither the browser nor the system. Parsed by bowser (MIT). A session listing
 * summarises every session's User-Agent, and a few distinct ones recur, so summaries are
 * remembered rather than parsed again for every listed session (the parse is a large part of
 * listing one; bench/README.md).
 */
export function deviceOf(userAgent: string | null): string | null {
  if (userAgent === null) return null;
  const known = remembered.get(userAgent);
  if (known !== undefined) return known;
  const device = parseDevice(userAgent);
  if (userAgent.length <= REMEMBERED_AGENT_MAX_LENGTH) {
    if (remembered.size >= REMEMBERED_AGENTS) remembered.delete(remembered.keys().next().value!);
    remembered.set(userAgent, device);
  }
  return device;
}

function parseDevice(userAgent: string): string | null {
  if (userAgent.trim() === '') return null;
  const { browser, os } = Bowser.parse(userAgent);
  const major = browser.version?.split('.')[0];
  const client = browser.name ? [browser.name, major].filter(Boolean).join(' ') : undefined;
  const system = os.name || undefined;
  if (client !== undefined && system !== undefined) return `${client} on ${system}`;
  return client ?? system ?? null;
}
