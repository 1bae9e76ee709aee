const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * What `date.toJSON()` returns (`toISOString()`, or null for an invalid date), built in JS, which
 * costs much less than the builtin JSON.stringify calls for every date of every listed row
 * (bench/README.md).
 * Years outside 1000–9999 (never stored here) take the builtin, whose output there differs in width.
 */
export function isoTimestamp(date: Date): string | null {
  const year = date.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return date.toJSON();
  return (
    `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}` +
    `T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}` +
    `.${pad3(date.getUTCMilliseconds())}Z`
  );
}

/**
 * A model the REST face sends as JSON. JSON.stringify calls `toJSON`: the same fields in the same
 * order, with each date written by {@link isoTimestamp}. A users page has 200 dates, and writing
 * them through `Date#toJSON` was a large part of serializing the page. GraphQL reads the fields
 * themselves and never calls this.
 */
export abstract class JsonView {
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {};
    for (const key of Object.keys(this)) {
      const value: unknown = this[key as keyof this];
      json[key] = value instanceof Date ? isoTimestamp(value) : value;
    }
    return json;
  }
}
