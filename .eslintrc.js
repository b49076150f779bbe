// The monorepo's ESLint rules (segmentio/action-destinations .eslintrc.js, written down in
// src/tools/monorepo-eslint.json, which check:dropin applies too), applied to this package.
const monorepo = require('./src/tools/monorepo-eslint.json')

module.exports = {
  root: true,
  ignorePatterns: ['node_modules', 'dist', '*.js'],
  parser: '@typescript-eslint/parser',
  parserOptions: {
    ecmaVersion: 2019,
    project: ['./tsconfig.json'],
    tsconfigRootDir: __dirname
  },
  env: { node: true },
  extends: monorepo.extends,
  plugins: monorepo.plugins,
  rules: monorepo.rules,
  overrides: [monorepo.testOverride, { files: ['src/destinations/**/*.ts'], rules: monorepo.destinationRules }]
}
