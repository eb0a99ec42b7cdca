/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
};

// The fast tier (`npm run test:unit`): workflows with mocked activities, rules, parsing, SQL, CLI
// arguments. rules.test.ts stays where it is (other work extends it) but runs in this tier: it uses
// only in-process DuckDB.
const UNIT = ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/rules.test.ts'];

module.exports = {
  // Two cores: more workers only make the servers fight for CPU.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/plainSummaryReporter.js'],
  // Real servers (Temporal, PostgreSQL, S3) start in the integration tests: allow them time. The
  // fast tier's waits carry their own deadlines (test/unit/support/workflowEnv.ts, signal.ts).
  testTimeout: 180_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: UNIT,
      // commander ships ES modules only; the CLI's argument tests load it in process, so it is
      // compiled to CommonJS like the sources (the integration tests run the built CLI instead).
      transform: { ...common.transform, '/node_modules/commander/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true } }] },
      transformIgnorePatterns: ['/node_modules/(?!commander/)'],
      globalSetup: '<rootDir>/test/unit/support/globalSetup.ts',
      globalTeardown: '<rootDir>/test/unit/support/globalTeardown.ts',
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/', '<rootDir>/test/rules.test.ts'],
      // Builds dist/ if stale and bundles the workflows once for every file and worker process.
      globalSetup: '<rootDir>/test/harness/globalSetup.ts',
    },
  ],
};
