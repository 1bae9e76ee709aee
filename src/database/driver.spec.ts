import { dirname } from 'node:path';

describe('the mongodb driver', () => {
  // driver.ts types what mongoose's driver returns with the root `mongodb` package, and the
  // bench measures its raw-driver bounds with it: both hold only while the two are one install
  it('is one install, shared by mongoose and the project', () => {
    const mongooseDir = dirname(require.resolve('mongoose/package.json'));
    expect(require.resolve('mongodb', { paths: [mongooseDir] })).toBe(require.resolve('mongodb'));
  });
});
