/** The p-th percentile (nearest rank) of ascending `sorted`; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** The throughput of a request that needs both stages, each measured alone on the same cores. */
export function serialBound(...rates: number[]): number {
  return 1 / rates.reduce((sum, rate) => sum + 1 / rate, 0);
}
