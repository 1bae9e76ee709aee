import { jsonDepth } from './json-body';

describe(jsonDepth.name, () => {
  it.each([
    ['{}', 1],
    ['{"a":[1,{"b":2}]}', 3],
    ['"[[[["', 0],
    ['{"a":"\\"[[[["}', 1],
    ['[[[]],[]]', 3],
    ['42', 0],
  ])('%s is %i deep', (raw, depth) => {
    expect(jsonDepth(Buffer.from(raw))).toBe(depth);
  });
});
