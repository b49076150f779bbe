/** Jest as the monorepo runs it (ts-jest, node environment, nock setup), with Jest 27's snapshot format. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // Each file is transpiled on its own (ts-jest's isolatedModules, now read from the tsconfig); `npm run typecheck`
  // checks the types.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }]
  },
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '__tests__/__helpers__/'],
  snapshotFormat: { escapeString: true, printBasicPrototype: true }
}
