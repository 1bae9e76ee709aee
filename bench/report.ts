/** One line of the table: a limit (measured alone) or a scenario (measured against the server). */
export interface Row {
  name: string;
  kind: 'limit' | 'scenario';
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  detail: string;
  /** Why it did not run. */
  skipped?: string;
  bound?: { value: number; label: string };
  /** Pass when requestsPerSecond ≥ target × bound. */
  target?: number;
  /**
   * Pass only when p50 and p99 are each within `tolerance` (a share, either way) of these, measured
   * in the same run (a timing that must not tell two kinds of request apart).
   */
  latencyOf?: { label: string; p50: number; p99: number; tolerance: number };
  peakRssMb?: number;
  /** Server CPU time per answer (HTTP rows): unlike req/s, it hardly moves when others load the machine. */
  cpuUsPerRequest?: number;
}

export interface ScaleRow {
  users: number;
  returned: number;
  bytes: number;
  /** Median of the repeats. */
  ms: number;
  msPer10kUsers: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  /** Largest peak-minus-before of the repeats. */
  rssGrowthMb: number;
  ferretPeakMb: number;
}

/** One user's stored documents after a simulated year of refreshes every 15 minutes. */
export interface StorageFigure {
  refreshes: number;
  signIns: number;
  documents: number;
  bytes: number;
  byCollection: Record<string, { documents: number; bytes: number }>;
}

export interface Report {
  startedAt: string;
  machine: { cpus: number; node: string; loadAverage: number[] };
  settings: Record<string, unknown>;
  rows: Row[];
  memory: { peakUnderLoadMb: number; limitMb: number; vmHwmMb: number; ferretPeakMb: number };
  scale: ScaleRow[];
  /** The streaming requirement: the 100k growth stays within this of the 10k growth. */
  scaleGrowthAllowanceMb: number;
  /** `storage`: with the clean-up, and with it off. */
  storage?: { withCleanup: StorageFigure; withoutCleanup: StorageFigure };
}

export type Verdict = 'pass' | 'FAIL' | 'report' | 'skipped' | 'limit';

export function verdictOf(row: Row): Verdict {
  if (row.skipped !== undefined) return 'skipped';
  const { latencyOf } = row;
  const hasTarget = row.target !== undefined && row.bound !== undefined;
  if (!hasTarget && latencyOf === undefined) return row.kind === 'limit' ? 'limit' : 'report';
  const fastEnough =
    row.target === undefined ||
    row.bound === undefined ||
    row.requestsPerSecond >= row.target * row.bound.value;
  const alike =
    latencyOf === undefined ||
    (within(row.p50 / latencyOf.p50, latencyOf.tolerance) &&
      within(row.p99 / latencyOf.p99, latencyOf.tolerance));
  return fastEnough && alike && row.errors === 0 ? 'pass' : 'FAIL';
}

/** Whether `ratio` is 1 give or take `tolerance`. */
function within(ratio: number, tolerance: number): boolean {
  return Math.abs(ratio - 1) <= tolerance;
}

export function scaleVerdict(report: Report): Verdict {
  const [small, large] = report.scale;
  if (small === undefined || large === undefined) return 'skipped';
  return large.rssGrowthMb <= small.rssGrowthMb + report.scaleGrowthAllowanceMb ? 'pass' : 'FAIL';
}

const num = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The table; with `previous` (the results.json this run replaces), each row also shows its req/s as
 * a share of the previous run's.
 */
export function markdown(report: Report, previous?: Report): string {
  const before = new Map(previous?.rows.map((row) => [row.name, row.requestsPerSecond]));
  const versus = (row: Row): string => {
    const old = before.get(row.name);
    return old === undefined || !(old > 0) ? '' : num(row.requestsPerSecond / old, 2);
  };
  const lines = [
    `Bench of ${report.startedAt} on ${report.machine.cpus} cores, Node ${report.machine.node}; ` +
      `${String(report.settings.connections)} connections, ${String(report.settings.durationS)} s per scenario after ${String(report.settings.warmupS)} s warm-up.`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | bound (req/s) | ratio | target | result | errors | vs previous | server CPU µs/req |',
    '|---|---:|---:|---:|---|---:|---:|---|---:|---:|---:|',
  ];
  for (const row of report.rows) {
    if (row.skipped !== undefined) {
      lines.push(
        `| ${row.name} | | | | | | ${row.target === undefined ? '' : `≥ ${row.target}`} | ${row.skipped} | | | |`,
      );
      continue;
    }
    const { latencyOf } = row;
    const ratio =
      latencyOf !== undefined
        ? `p50 ${num(row.p50 / latencyOf.p50, 2)}×, p99 ${num(row.p99 / latencyOf.p99, 2)}×`
        : row.bound === undefined
          ? ''
          : num(row.requestsPerSecond / row.bound.value, 2);
    const bound =
      latencyOf !== undefined
        ? `${latencyOf.label} (p50 ${num(latencyOf.p50, 1)}, p99 ${num(latencyOf.p99, 1)})`
        : row.bound === undefined
          ? ''
          : `${row.bound.label} = ${num(row.bound.value, 1)}`;
    const target =
      latencyOf !== undefined
        ? `p50, p99 within ${num(latencyOf.tolerance * 100)} %`
        : row.target === undefined
          ? ''
          : `≥ ${row.target}`;
    lines.push(
      `| ${row.name} | ${num(row.requestsPerSecond, 1)} | ${num(row.p50, 1)} | ${num(row.p99, 1)} | ${bound} | ${ratio} | ` +
        `${target} | ${verdictOf(row)} | ${row.errors} | ${versus(row)} | ${row.cpuUsPerRequest === undefined ? '' : num(row.cpuUsPerRequest)} |`,
    );
  }
  const { memory } = report;
  lines.push(
    `| server peak RSS under load | ${num(memory.peakUnderLoadMb, 1)} MB | | | | | < ${memory.limitMb} MB | ${memory.peakUnderLoadMb < memory.limitMb ? 'pass' : 'FAIL'} | | | |`,
    '',
    `Server VmHWM over the whole run (incl. the unpaged lists): ${num(memory.vmHwmMb, 1)} MB; FerretDB peak RSS: ${num(memory.ferretPeakMb, 1)} MB.`,
    '',
    `Unpaged \`GET /users\` (median of ${String(report.settings.scaleRepeat)}; memory must not grow with the user count: ` +
      `growth at the larger size ≤ growth at the smaller + ${report.scaleGrowthAllowanceMb} MB → ${scaleVerdict(report)}):`,
    '',
    '| users | returned | MB sent | time ms | ms per 10,000 users | server RSS before | peak | growth | FerretDB peak |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.scale.map(
      (row) =>
        `| ${num(row.users)} | ${num(row.returned)} | ${num(row.bytes / 1e6, 1)} | ${num(row.ms)} | ${num(row.msPer10kUsers)} | ` +
        `${num(row.rssBeforeMb)} MB | ${num(row.rssPeakMb)} MB | ${num(row.rssGrowthMb)} MB | ${num(row.ferretPeakMb)} MB |`,
    ),
    '',
    ...ratioChanges(report),
    ...storageLines(report),
    'Limits and scenarios:',
    ...report.rows.map(
      (row) =>
        `- \`${row.name}\`: ${row.detail}${row.peakRssMb === undefined ? '' : ` (server peak RSS ${num(row.peakRssMb)} MB)`}`,
    ),
  );
  return lines.join('\n');
}

/** How each re-measured scenario's ratio moved from the throughput size to the scale size. */
function ratioChanges(report: Report): string[] {
  const ratio = (row: Row | undefined): number | undefined =>
    row?.bound === undefined || row.skipped !== undefined
      ? undefined
      : row.requestsPerSecond / row.bound.value;
  const lines = report.rows
    .filter((row) => row.name.includes(' @'))
    .map((large) => {
      const [name, size] = large.name.split(' @');
      const small = ratio(report.rows.find((row) => row.name === name));
      const big = ratio(large);
      if (small === undefined || big === undefined) return undefined;
      return `- \`${name}\`: ${num(small, 2)} at ${num(Number(report.settings.users))} users → ${num(big, 2)} at ${num(Number(size))} users (${big >= small ? '+' : ''}${num(((big - small) / small) * 100)}%)`;
    })
    .filter((line): line is string => line !== undefined);
  return lines.length === 0
    ? []
    : ['Ratios from the smaller to the larger size:', '', ...lines, ''];
}

/** The `storage` rows: what a year of refreshes leaves per active user, with the clean-up and without. */
function storageLines(report: Report): string[] {
  if (report.storage === undefined) return [];
  const { withCleanup: on, withoutCleanup: off } = report.storage;
  const line = (label: string, figure: StorageFigure) =>
    `| ${label} | ${num(figure.refreshes)} | ${num(figure.signIns)} | ${num(figure.documents)} | ${num(figure.bytes / 1024, 1)} | ` +
    Object.entries(figure.byCollection)
      .map(([name, each]) => `${name} ${num(each.documents)}`)
      .join(', ') +
    ' |';
  return [
    'Storage per active user after a simulated year of refreshes every 15 minutes (`storage`):',
    '',
    '| clean-up | refreshes | sign-ins | documents | KiB | by collection |',
    '|---|---:|---:|---:|---:|---|',
    line('on (every 6 h)', on),
    line('off', off),
    '',
    `With the clean-up a year leaves ${num((on.documents / Math.max(1, off.documents)) * 100, 1)}% of the documents and ${num((on.bytes / Math.max(1, off.bytes)) * 100, 1)}% of the bytes.`,
    '',
  ];
}
