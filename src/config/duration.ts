const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90`, `30s`, `15m`, `12h` or `7d` into whole seconds; undefined when malformed. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
}

const SPOKEN_UNITS: [name: string, seconds: number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** Seconds as a person says them, in the largest unit that divides them: "10 minutes". */
export function spokenDuration(seconds: number): string {
  const [unit, size] = SPOKEN_UNITS.find(([, each]) => seconds >= each && seconds % each === 0) ?? [
    'second',
    1,
  ];
  const count = seconds / size;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** Parses `16384`, `512b`, `16kb` or `1mb` into bytes; undefined when malformed. */
export function parseByteSize(value: string): number | undefined {
  const match = /^(\d{1,9})(b|kb|mb)?$/i.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_BYTES[(match[2] ?? 'b').toLowerCase()];
}
