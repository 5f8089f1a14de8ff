// Two projects: unit tests run with no servers; integration tests share one Temporal, PostgreSQL and Redis per run.
const transform = {
  '^.+\\.[tj]s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs', ignoreDynamic: true } }],
};

// Two of fastify's dependencies ship only ES modules, which jest's CommonJS registry cannot load untransformed.
const transformIgnorePatterns = ['/node_modules/(?!(content-disposition|cookie)/)'];

module.exports = {
  // Integration tests wait for real syncs; unit tests finish long before this.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/tests/**/*.unit.test.ts'],
      setupFiles: ['<rootDir>/tests/support/event-validation.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/tests/**/*.integration.test.ts'],
      setupFiles: ['<rootDir>/tests/support/event-validation.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
};
