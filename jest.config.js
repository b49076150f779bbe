/** Jest as the monorepo runs it (ts-jest, node environment, nock setup), with Jest 27's snapshot format. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true }]
  },
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '__tests__/__helpers__/'],
  snapshotFormat: { escapeString: true, printBasicPrototype: true }
}
