// The monorepo keeps generateTestData in packages/destination-actions/src/lib/test-data.ts. This package publishes the
// same function under the same relative path, so the snapshot tests import it identically in both trees.
export { generateTestData } from '@segment/action-destinations/dist/lib/test-data'
