import fs from 'fs'
import os from 'os'
import path from 'path'
import { spawnSync } from 'child_process'
import { runTool } from './cli'
import { CLOUD_IMPORT_RULES, findEscapingImports, WEB_IMPORT_RULES } from './dropin-imports'
import { generatedTypeFiles } from './generate-types'
import { metadataFile } from './generate-metadata'
import { destinationsGiven, FOLDER_ARGUMENTS } from './destination-dir'
import type { DestinationFolder } from './destination-dir'
import { loadDestination } from './load-destination'
import { registeredPlugin, shownFolder } from './manifest'
import { BROWSER_JEST_OPTIONS, COVERAGE_TARGET, installToolset, MONOREPO_COMMIT } from './monorepo-toolchain'
import type { Toolset } from './monorepo-toolchain'
import { linkModules, writeMonorepoConfig } from './monorepo-tree'
import { webPackageProblems } from './web-package'

// `npm run check:dropin [folder...]`: proves that each drop-in folder passes the gates of segmentio/action-destinations
// on its own. It copies the folder into a temporary tree laid out like the monorepo, with the monorepo's configuration
// (monorepo-toolchain.ts) and its tool versions (installed once from npm), and runs there what the monorepo's CI and
// pre-commit hook run on it: the generators' check, the build or typecheck, ESLint with no warning, prettier, and Jest
// 27 with and without coverage (each folder at or over 80% of lines and branches). What it cannot run without the
// monorepo (the other packages, the bundles, the CLI) it names in its output.

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..')

/** What every run simulates or leaves out, printed so that a pass is read for what it is. */
const SIMULATED = [
  `configuration and tool versions are those of segmentio/action-destinations ${MONOREPO_COMMIT}, written down in src/tools/monorepo-toolchain.ts`,
  "@segment/actions-core is the registry's 3.170.0 (the monorepo compiles and tests against its own 3.177.0 sources)",
  "the browser runtime is the registry's 1.6.0 with the monorepo's PluginFactory type (their only source difference)",
  'web tests run with analytics-next 1.53.0 (the monorepo lock), not the 1.84.3 this package develops with',
  "type packages are the monorepo's (@types/node 16.11.1 for web packages, 22.13.4 for the cloud; @types/jest 27.0.2), and ESLint's program declares Mocha's test globals first, as the monorepo's does through its CLI tests",
  "a cloud folder's metadata.json is compared with the definition the monorepo's manifest would hold: merged with the web package registered under its id",
  'not run here: nx build of the other packages, the webpack bundles and size-limit, the CLI itself (generate:*, validate, serve)'
]

function step(title: string) {
  console.log(`\n▶ ${title}`)
}

function run(command: string, args: string[], cwd: string): boolean {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } })
  return result.status === 0
}

/** A tool's script from its installed toolset. */
function toolBin(toolsetDir: string, request: string): string {
  return require.resolve(request, { paths: [toolsetDir] })
}

function reportImports(folder: DestinationFolder, failures: string[]) {
  step(`Imports of ${shownFolder(folder)} stay inside the folder`)
  const rules = folder.kind === 'web' ? WEB_IMPORT_RULES : CLOUD_IMPORT_RULES
  const escaping = findEscapingImports(folder.root, rules)
  for (const { file, specifier, reason } of escaping) console.error(`  ${file}: '${specifier}': ${reason}`)
  if (escaping.length > 0) failures.push(`${escaping.length} import(s) reach outside the folder`)
  else console.log('  ok')
}

/** The generated files (types, metadata.json) of a copied folder that a fresh generation would change. */
async function reportGenerated(entry: string, root: string, failures: string[]) {
  step('Generators (generate:types, generate:metadata-payload) leave every file unchanged in the copy')
  const definition = loadDestination(entry)
  const plugin = (definition.mode as string) === 'device' ? undefined : registeredPlugin(definition)
  if (plugin) console.log(`  metadata.json as merged with ${shownFolder(plugin.folder)}, registered under the same id`)
  const expected = await generatedTypeFiles(entry)
  const metadata = metadataFile(entry, root)
  expected.set(metadata.path, metadata.content)
  const stale = [...expected]
    .filter(([file, content]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content)
    .map(([file]) => path.relative(root, file))
  for (const file of stale) console.error(`  stale: ${file}`)
  if (stale.length > 0) failures.push(`${stale.length} generated file(s) differ from a fresh generation`)
  else console.log('  ok')
}

/** ESLint with the monorepo's type-aware configuration, failing on warnings too (lint-staged and reviewers do). */
function reportLint(root: string, folderInTree: string, lintTools: string, failures: string[]) {
  step("ESLint with the monorepo's configuration (type-aware rules), no warning allowed")
  const eslint = toolBin(lintTools, 'eslint/bin/eslint.js')
  const args = [eslint, '--resolve-plugins-relative-to', lintTools, '--max-warnings', '0', `${folderInTree}/**/*.ts`]
  if (!run(process.execPath, args, root)) failures.push('ESLint reports problems')
  else console.log('  ok')
  step(
    "prettier 2.4.1 with the monorepo's root options, on .ts and .json files (its .prettierignore skips metadata.json)"
  )
  const prettier = toolBin(lintTools, 'prettier/bin-prettier.js')
  if (!run(process.execPath, [prettier, '--check', `${folderInTree}/**/*.{ts,json,md,yml}`], root)) {
    failures.push('prettier would reformat files')
  }
}

/** The monorepo's test setup files, for the folder's workspace. */
function writeTestSetup(workspace: string, kind: 'cloud' | 'web') {
  fs.mkdirSync(path.join(workspace, 'test'), { recursive: true })
  const setup =
    kind === 'web' ? BROWSER_TEST_SETUP : fs.readFileSync(path.join(PACKAGE_ROOT, 'test', 'setup-after-env.ts'))
  fs.writeFileSync(path.join(workspace, 'test', 'setup-after-env.ts'), setup)
}

/**
 * The browser-destinations test setup, as in the monorepo: fresh mocks, an empty page with one script tag (loadScript
 * inserts before the first), silenced console.error, the segment.com domain. (Its WebCrypto polyfill is left out: the
 * web packages do not use crypto.)
 */
const BROWSER_TEST_SETUP = `import { TextEncoder, TextDecoder } from 'util'
import { setImmediate } from 'timers'

Object.assign(global, { TextEncoder, TextDecoder, setImmediate })

beforeEach(() => {
  jest.restoreAllMocks()
  jest.resetAllMocks()
  document.body.innerHTML = ''
  document.head.innerHTML = ''
  const script = document.createElement('script')
  script.innerHTML = '// the emptiness'
  document.head.appendChild(script)
  jest.spyOn(window, 'window', 'get')
  jest.spyOn(global, 'document', 'get')
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  global.document.domain = 'segment.com'
})
`

/** Runs Jest from a toolset on a config, then again with coverage and the target on the folder's own files. */
function reportJest(root: string, jestTools: string, config: object, folderInWorkspace: string, failures: string[]) {
  const file = path.join(root, 'jest.dropin.config.json')
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
  const jest = toolBin(jestTools, 'jest/bin/jest')
  step("Jest 27 on the copy, as the monorepo's CI runs it (snapshots are compared, never written)")
  if (!run(process.execPath, [jest, '--config', file, '--ci'], root)) failures.push('the tests fail')
  step(
    `Jest 27 with coverage: at least ${COVERAGE_TARGET}% of the folder's lines and branches (Codecov's patch target)`
  )
  const threshold = { global: { lines: COVERAGE_TARGET, branches: COVERAGE_TARGET } }
  const coverage = [
    '--coverage',
    `--collectCoverageFrom=${folderInWorkspace}/**/*.ts`,
    `--coverageThreshold=${JSON.stringify(threshold)}`,
    '--coverageReporters=text-summary',
    `--coverageDirectory=${path.join(root, 'coverage')}`
  ]
  if (!run(process.execPath, [jest, '--config', file, '--ci', ...coverage], root)) {
    failures.push('the tests fail or miss the coverage target under coverage')
  }
}

function installed(toolset: Toolset, failures: string[]): string | undefined {
  const dir = installToolset(toolset)
  if (!dir) failures.push(`the monorepo's ${toolset} tools could not be installed from npm`)
  return dir
}

async function checkCloudFolder(folder: DestinationFolder, root: string): Promise<string[]> {
  const failures: string[] = []
  reportImports(folder, failures)
  const lintTools = installed('lint', failures)
  const jestTools = installed('cloudJest', failures)
  if (!lintTools || !jestTools) return failures
  writeMonorepoConfig(root)
  linkModules(root, 'cloud')
  const actionsPackage = path.join(root, 'packages', 'destination-actions')
  const inWorkspace = path.join('src', 'destinations', path.basename(path.resolve(folder.root)))
  const destinationDir = path.join(actionsPackage, inWorkspace)
  fs.cpSync(folder.root, destinationDir, { recursive: true })
  fs.mkdirSync(path.join(actionsPackage, 'src', 'lib'), { recursive: true })
  fs.copyFileSync(
    path.join(PACKAGE_ROOT, 'src', 'lib', 'test-data.ts'),
    path.join(actionsPackage, 'src', 'lib', 'test-data.ts')
  )
  writeTestSetup(actionsPackage, 'cloud')
  console.log(`  copied to ${path.relative(root, destinationDir)} under ${root}`)

  await reportGenerated(destinationDir, destinationDir, failures)
  step("Typecheck as destination-actions' `typecheck` (tsc -p tsconfig.build.json --noEmit)")
  const tsc = [toolBin(lintTools, 'typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noEmit']
  if (!run(process.execPath, tsc, actionsPackage)) failures.push('the copy does not type-check')
  else console.log('  ok')
  reportLint(root, path.relative(root, destinationDir), lintTools, failures)
  const config = {
    rootDir: actionsPackage,
    // Jest 27's own environment: the tree's node_modules would give this package's Jest 29 one.
    testEnvironment: toolBin(jestTools, 'jest-environment-node'),
    transform: { '^.+\\.ts$': toolBin(jestTools, 'ts-jest') },
    globals: { 'ts-jest': { isolatedModules: true } },
    setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
    modulePathIgnorePatterns: ['<rootDir>/dist/'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '__tests__/__helpers__/']
  }
  reportJest(root, jestTools, config, inWorkspace, failures)
  return failures
}

/** nx build of a web package: its build:esm and build:cjs scripts (tsc with its tsconfig.json). */
function reportWebBuild(packageDir: string, lintTools: string, failures: string[]) {
  step("nx build of the package (tsc with its tsconfig.json over the workspace's tsconfig.build.json, esm and cjs)")
  const tsc = toolBin(lintTools, 'typescript/bin/tsc')
  const esm = run(process.execPath, [tsc, '--outDir', './dist/esm'], packageDir)
  const cjs = esm && run(process.execPath, [tsc, '--module', 'commonjs', '--outDir', './dist/cjs'], packageDir)
  if (!esm || !cjs) failures.push('the package does not build')
  else console.log('  ok')
  fs.rmSync(path.join(packageDir, 'dist'), { recursive: true, force: true })
}

async function checkWebFolder(folder: DestinationFolder, root: string): Promise<string[]> {
  const failures: string[] = []
  reportImports(folder, failures)
  const lintTools = installed('lint', failures)
  const jestTools = installed('browserJest', failures)
  if (!lintTools || !jestTools) return failures
  writeMonorepoConfig(root)
  linkModules(root, 'web')
  const browserPackage = path.join(root, 'packages', 'browser-destinations')
  const inWorkspace = path.join('destinations', path.basename(path.resolve(folder.root)))
  const packageDir = path.join(browserPackage, inWorkspace)
  fs.cpSync(folder.root, packageDir, { recursive: true })
  writeTestSetup(browserPackage, 'web')
  console.log(`  copied to ${path.relative(root, packageDir)} under ${root}`)

  step('package.json, tsconfig.json and exports as the monorepo expects of a web package')
  const problems = webPackageProblems(packageDir)
  for (const problem of problems) console.error(`  ${problem}`)
  if (problems.length > 0) failures.push(`${problems.length} problem(s) with the package itself`)
  else console.log('  ok')
  await reportGenerated(path.join(packageDir, 'src'), packageDir, failures)
  reportWebBuild(packageDir, lintTools, failures)
  reportLint(root, path.relative(root, packageDir), lintTools, failures)
  // Jest 27 does not read package `exports`; the monorepo maps these subpaths to their sources, this tree to CommonJS.
  const commonJs = (request: string) => path.dirname(require.resolve(request, { paths: [root] }))
  const config = {
    ...BROWSER_JEST_OPTIONS,
    rootDir: browserPackage,
    testEnvironment: path.join(root, 'node_modules', 'jest-environment-jsdom'),
    transform: { '^.+\\.[t|j]sx?$': toolBin(jestTools, 'ts-jest') },
    moduleNameMapper: {
      '^@segment/browser-destination-runtime/(.*)$': `${commonJs('@segment/browser-destination-runtime/shim')}/$1`,
      '^@segment/actions-core/(.*)$': `${commonJs('@segment/actions-core')}/$1`
    }
  }
  reportJest(root, jestTools, config, inWorkspace, failures)
  return failures
}

runTool(
  {
    script: 'check:dropin',
    summary: [
      'Copies each drop-in folder alone into a temporary tree laid out like segmentio/action-destinations, with its',
      'configuration and tool versions (installed once from npm into node_modules/.cache/dropin-monorepo, or',
      '$DROPIN_TOOLS_DIR), then runs its gates there: imports, the generators, the build or typecheck, ESLint with its',
      'type-aware rules and no warning, prettier 2.4.1 (.ts and .json), Jest 27 (jsdom 16 for web packages) with and',
      `without coverage (${COVERAGE_TARGET}% of lines and branches). It prints what it simulates and what it cannot run.`
    ].join('\n'),
    ...FOLDER_ARGUMENTS,
    options: { '--jest27': 'accepted for compatibility: the tests always run under the monorepo Jest 27' },
    examples: {
      'npm run check:dropin': 'check the cloud folder and both web packages',
      'npm run check:dropin -- src/browser-destinations/woopra-plugins': 'check one web package'
    }
  },
  async ({ paths }) => {
    const folders = destinationsGiven(paths)
    console.log(`Simulated (read a pass with these in mind):\n${SIMULATED.map((line) => `  - ${line}`).join('\n')}`)
    const failures: string[] = []
    for (const folder of folders) {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dropin-'))
      try {
        const found = folder.kind === 'web' ? await checkWebFolder(folder, root) : await checkCloudFolder(folder, root)
        failures.push(...found.map((failure) => `${shownFolder(folder)}: ${failure}`))
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }
    if (failures.length > 0) {
      console.error(`\n✖ check:dropin failed:\n  - ${failures.join('\n  - ')}`)
      return 1
    }
    const names = folders.map(shownFolder).join(', ')
    console.log(`\n✔ check:dropin: ${names} pass the monorepo's gates listed above, with what is simulated as said.`)
    return 0
  }
)
