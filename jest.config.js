/**
 * otplib's CommonJS build requires packages published as ES modules only (@scure/base, and the
 * @noble/hashes it pins). Node loads them itself (require of ES modules, Node 20.19+); Jest's
 * module runtime cannot, so these few are compiled to CommonJS for the tests.
 */
const ESM_ONLY_PACKAGES = '@scure/base|@noble/hashes';

/** @type {import('jest').Config} */
const transform = {
  [`/node_modules/(${ESM_ONLY_PACKAGES})/.+\\.js$`]: [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs' }, isolatedModules: true },
  ],
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      astTransformers: {
        before: [
          '<rootDir>/test/support/swagger-plugin.js',
          '<rootDir>/test/support/graphql-plugin.js',
        ],
      },
    },
  ],
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns: [`^(?!.*/node_modules/(${ESM_ONLY_PACKAGES})/).*/node_modules/`],
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns: [`^(?!.*/node_modules/(${ESM_ONLY_PACKAGES})/).*/node_modules/`],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // a bound for a hang, not a speed check: tests must pass on a machine loaded many times over
  testTimeout: 300_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  collectCoverageFrom: ['src/**/*.ts', '!src/main.ts', '!src/**/*.spec.ts'],
};
