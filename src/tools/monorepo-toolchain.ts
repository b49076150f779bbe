import fs from 'fs'
import path from 'path'
import { spawnSync } from 'child_process'
// The monorepo's ESLint rules, shared with this package's own .eslintrc.js.
import MONOREPO_ESLINT from './monorepo-eslint.json'

// The configuration and tool versions of segmentio/action-destinations (at commit 970a17ee8d) that decide whether a
// drop-in folder passes there, written down here as facts so that check:dropin needs no copy of the monorepo: its
// root TypeScript options, the browser-destinations workspace's tsconfig files and Jest set-up, its ESLint rules and
// prettier options, and the versions its yarn.lock resolves. The tools are installed once from npm, outside
// package.json, into node_modules/.cache/dropin-monorepo (or $DROPIN_TOOLS_DIR).

export const MONOREPO_COMMIT = '970a17ee8d'

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..')

/** One npm install each: the versions the monorepo's yarn.lock resolves for these packages. */
export const TOOLSETS = {
  /** Root devDependencies that lint every package (lint-staged runs `eslint --fix` and `prettier --write`). */
  lint: [
    'eslint@7.32.0',
    '@typescript-eslint/parser@5.62.0',
    '@typescript-eslint/eslint-plugin@5.62.0',
    'eslint-config-prettier@6.15.0',
    'eslint-plugin-jest@25.2.2',
    'eslint-plugin-lodash@7.3.0',
    'prettier@2.4.1',
    'typescript@5.5.4',
    '@types/mocha@10.0.1'
  ],
  /**
   * packages/browser-destinations runs jest 27.3.1 (jsdom 16.7.0) with ts-jest 27.1.5; analytics-next is 1.53.0. It
   * compiles against the root's @types/node 16.11.1 (its clearTimeout takes no undefined) and @types/jest 27.0.2.
   */
  browserJest: [
    'jest@27.3.1',
    'jest-environment-jsdom@27.3.1',
    'jsdom@16.7.0',
    'ts-jest@27.1.5',
    'typescript@5.5.4',
    '@segment/analytics-next@1.53.0',
    '@types/node@16.11.1',
    '@types/jest@27.0.2'
  ],
  /** packages/destination-actions runs jest 27.5.1 with ts-jest 27.1.5, its own @types/node 22.13.4, @types/jest 27.0.2. */
  cloudJest: ['jest@27.5.1', 'ts-jest@27.1.5', 'typescript@5.5.4', '@types/node@22.13.4', '@types/jest@27.0.2']
} as const

export type Toolset = keyof typeof TOOLSETS

export function toolsDir(toolset: Toolset): string {
  const base = process.env.DROPIN_TOOLS_DIR ?? path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'dropin-monorepo')
  return path.join(base, toolset)
}

/** Installs a toolset once (again when its list changes); returns its folder, or undefined when npm fails. */
export function installToolset(toolset: Toolset): string | undefined {
  const dir = toolsDir(toolset)
  const wanted = TOOLSETS[toolset].join(' ')
  const stamp = path.join(dir, 'installed.txt')
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return dir
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `dropin-${toolset}`, private: true }))
  // ts-jest 27 declares TypeScript < 5 as its peer; the monorepo runs it with 5.5.4 all the same.
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--legacy-peer-deps', ...TOOLSETS[toolset]]
  const result = spawnSync('npm', args, { cwd: dir, stdio: 'inherit' })
  if (result.status !== 0) return undefined
  fs.writeFileSync(stamp, wanted)
  return dir
}

/** The root tsconfig.json's compiler options, which every package extends. */
export const ROOT_COMPILER_OPTIONS = {
  module: 'commonjs',
  target: 'es2020',
  lib: ['es2020'],
  declaration: true,
  moduleResolution: 'node',
  esModuleInterop: true,
  resolveJsonModule: true,
  strict: true,
  sourceMap: true,
  removeComments: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  strictPropertyInitialization: false,
  experimentalDecorators: true,
  skipLibCheck: true
}

/** Where each workspace package maps the monorepo's own packages: to their sources, next door. */
const WORKSPACE_PATHS = {
  '@segment/actions-core': ['../core/src'],
  '@segment/actions-core/*': ['../core/src/*'],
  '@segment/actions-shared': ['../actions-shared/src'],
  '@segment/action-destinations': ['../destination-actions/src'],
  '@segment/destination-subscriptions': ['../destination-subscriptions/src']
}

/** The files of the monorepo's tree outside the drop-in folders that decide how they compile and lint. */
export const MONOREPO_CONFIG_FILES: Record<string, unknown> = {
  'tsconfig.json': { compilerOptions: ROOT_COMPILER_OPTIONS, exclude: ['dist', 'templates', 'scripts'] },
  // ESLint's project for tests and scripts anywhere.
  'tsconfig.eslint.json': {
    extends: './tsconfig.json',
    include: ['**/test/**/*.ts', 'scripts/**/*.ts', '**/__tests__/**/*.ts', '.eslintrc.js']
  },
  // What a web package's tsconfig.json extends: its paths resolve from the package's own baseUrl.
  'packages/browser-destinations/tsconfig.build.json': {
    extends: '../../tsconfig.json',
    compilerOptions: {
      module: 'esnext',
      composite: true,
      outDir: 'dist',
      rootDir: 'src',
      allowJs: true,
      importHelpers: true,
      lib: ['es2020', 'dom'],
      baseUrl: '.',
      paths: {
        ...WORKSPACE_PATHS,
        '@segment/browser-destination-runtime': ['../browser-destination-runtime/src'],
        '@segment/browser-destination-runtime/*': ['../browser-destination-runtime/src/*']
      }
    },
    exclude: ['**/__tests__/**/*.ts'],
    include: ['src']
  },
  // ESLint's project for everything under browser-destinations (no include: every file), and ts-jest's tsconfig.
  'packages/browser-destinations/tsconfig.json': {
    extends: '../../tsconfig.json',
    compilerOptions: { allowJs: true, module: 'esnext', removeComments: false, baseUrl: '.', paths: WORKSPACE_PATHS },
    exclude: ['webpack.config.js', 'dist']
  },
  'packages/destination-actions/tsconfig.build.json': {
    extends: '../../tsconfig.json',
    compilerOptions: { composite: true, rootDir: 'src', outDir: 'dist', useUnknownInCatchVariables: false },
    exclude: ['**/__tests__/**/*.ts'],
    include: ['src']
  },
  'packages/destination-actions/tsconfig.json': {
    extends: './tsconfig.build.json',
    compilerOptions: {
      baseUrl: '.',
      paths: {
        '@segment/ajv-human-errors': ['../ajv-human-errors/src'],
        '@segment/actions-core/*': ['../core/src/*'],
        '@segment/actions-core': ['../core/src'],
        '@segment/destination-subscriptions': ['../destination-subscriptions/src'],
        '@segment/actions-shared': ['../actions-shared/src']
      }
    },
    exclude: ['dist'],
    include: ['src', 'test']
  },
  '.eslintrc.json': {
    root: true,
    ignorePatterns: ['node_modules', 'dist', 'templates', 'scripts', '**/node_modules'],
    parser: '@typescript-eslint/parser',
    parserOptions: { ecmaVersion: 2019, project: ['./tsconfig.eslint.json', './packages/*/tsconfig.json'] },
    env: { node: true },
    extends: MONOREPO_ESLINT.extends,
    plugins: MONOREPO_ESLINT.plugins,
    rules: MONOREPO_ESLINT.rules,
    // The overrides that reach the drop-in folders (the others concern the CLI, core and benchmarks).
    overrides: [
      MONOREPO_ESLINT.testOverride,
      { files: ['packages/destination-actions/**/*.ts'], rules: MONOREPO_ESLINT.destinationRules }
    ]
  }
}

/** The root package.json's prettier options; its .prettierignore leaves metadata.json files alone. */
export const PRETTIER_OPTIONS = { semi: false, singleQuote: true, trailingComma: 'none', printWidth: 120 }
export const PRETTIER_IGNORE = '**/metadata.json\n'

/** The browser-destinations workspace's Jest options (package.json "jest"), less its mappings to sibling sources. */
export const BROWSER_JEST_OPTIONS = {
  testEnvironment: 'jsdom',
  testEnvironmentOptions: { runScripts: 'dangerously', resources: 'usable', url: 'https://segment.com' },
  globals: { 'ts-jest': { isolatedModules: true } },
  transformIgnorePatterns: ['/node_modules/(?!(@segment/analytics-next|@braze/web-sdk/)).+\\.js$'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  forceExit: true
}

/** Codecov's patch target: each folder's own files must be covered at least this much (lines and branches). */
export const COVERAGE_TARGET = 80

/**
 * The PluginFactory type of the monorepo's runtime (1.106.0), where the registry's 1.6.0 also allows one plugin: the
 * only difference between their sources. Type-checking and linting against the registry's types would let a cast that
 * the monorepo's types make unnecessary (an ESLint warning there) pass here.
 */
export const RUNTIME_FACTORY_TYPES = {
  registry: 'Plugin | Plugin[] | Promise<Plugin | Plugin[]>',
  monorepo: 'Plugin[] | Promise<Plugin[]>'
}
