import { isoTimestamp, JsonView } from './json-view';

describe(isoTimestamp.name, () => {
  it('writes what Date#toJSON writes, across years, months, days and milliseconds', () => {
    const times = [
      0,
      Date.UTC(1000, 0, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 0, 0, 0, 5),
      Date.UTC(2026, 10, 30, 9, 7, 3, 40),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    // and a spread of instants between them, every millisecond digit count included
    for (let time = Date.UTC(1970, 0, 1); time < Date.UTC(2100, 0, 1); time += 9_876_543_217)
      times.push(time);
    for (const time of times) expect(isoTimestamp(new Date(time))).toBe(new Date(time).toJSON());
  });

  it('takes the builtin outside four-digit years, and null for an invalid date', () => {
    for (const date of [
      new Date(Date.UTC(999, 0, 1)),
      new Date(Date.UTC(-1, 0, 1)),
      new Date(Date.UTC(10_000, 0, 1)),
      new Date(Number.NaN),
    ])
      expect(isoTimestamp(date)).toBe(date.toJSON());
    expect(isoTimestamp(new Date(Number.NaN))).toBeNull();
  });
});

describe(JsonView.name, () => {
  class Example extends JsonView {
    id = 'a';
    at: Date | null = new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 7));
    missing: Date | undefined = undefined;
    nested = { when: new Date(0) };
    list = [1, 'two'];
  }

  it('serializes exactly as the plain object with its dates would', () => {
    const view = new Example();
    const plain = { ...view };
    expect(JSON.stringify(view)).toBe(JSON.stringify(plain));
    view.at = null;
    expect(JSON.stringify(view)).toBe(JSON.stringify({ ...view }));
  });
});
