/**
 * Rate limits count fixed one-minute windows: waits, when less than `marginMs` of the current
 * window is left, until the next one starts, so a test's requests all fall into one window.
 */
export async function awaitFreshWindow(marginMs = 25_000): Promise<void> {
  const leftMs = 60_000 - (Date.now() % 60_000);
  if (leftMs < marginMs) await new Promise((resolve) => setTimeout(resolve, leftMs + 200));
}
