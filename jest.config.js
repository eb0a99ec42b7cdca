/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Real servers (Temporal, PostgreSQL, S3) start in these tests: allow them time.
  testTimeout: 180_000,
  // Two cores: more workers only make the servers fight for CPU.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/plainSummaryReporter.js'],
};
