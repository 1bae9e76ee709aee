import Bowser from 'bowser';

/**
 * A short summary of a User-Agent such as `Chrome 131 on macOS`, or null when the parser
 * recognises neither the browser nor the system. Parsed by bowser (MIT).
 */
export function deviceOf(userAgent: string | null): string | null {
  if (userAgent === null || userAgent.trim() === '') return null;
  const { browser, os } = Bowser.parse(userAgent);
  const major = browser.version?.split('.')[0];
  const client = browser.name ? [browser.name, major].filter(Boolean).join(' ') : undefined;
  const system = os.name || undefined;
  if (client !== undefined && system !== undefined) return `${client} on ${system}`;
  return client ?? system ?? null;
}
