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
import { webPackageProblems } from './web-package'

// `npm run check:dropin [folder...]`: proves that each drop-in folder works on its own, as it will once copied into
// segmentio/action-destinations. It copies the folder into a temporary tree laid out like the monorepo (a cloud
// destination into packages/destination-actions/src/destinations/ with src/lib/test-data.ts and the test setup; a
// web package into packages/browser-destinations/destinations/ with that workspace's build configuration and jsdom
// test setup; nothing else of this package), then checks its imports (and a web package's manifest and exports),
// regenerates its generated files, type-checks it and runs its tests there.
// With --jest27 the tests also run under the monorepo's own Jest 27 and ts-jest 27 (with Jest 27's default snapshot
// format, and jsdom 16 for web packages); they are installed once, outside package.json, into
// node_modules/.cache/jest27.

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..')
/** The monorepo's destination-actions test runner (yarn.lock: jest 27.5.1, ts-jest 27.1.5, TypeScript 5.5.4). */
const JEST27_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'jest27')
const JEST27_PACKAGES = ['jest@27.5.1', 'ts-jest@27.1.5', 'typescript@5.5.4']

/** What the monorepo's root tsconfig.json gives both workspaces: ES2020, Node resolution, its strict checks. */
const MONOREPO_COMPILER_OPTIONS = {
  target: 'es2020',
  moduleResolution: 'node',
  esModuleInterop: true,
  resolveJsonModule: true,
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  strictPropertyInitialization: false,
  useUnknownInCatchVariables: false,
  skipLibCheck: true
}

function step(title: string) {
  console.log(`\n▶ ${title}`)
}

function run(command: string, args: string[], cwd: string): boolean {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } })
  return result.status === 0
}

/** Builds the temporary tree for a cloud folder; returns its destination-actions package and the copied folder. */
function buildCloudTree(sourceDir: string, root: string): { actionsPackage: string; destinationDir: string } {
  const actionsPackage = path.join(root, 'packages', 'destination-actions')
  const destinationDir = path.join(actionsPackage, 'src', 'destinations', path.basename(path.resolve(sourceDir)))
  fs.cpSync(sourceDir, destinationDir, { recursive: true })
  fs.mkdirSync(path.join(actionsPackage, 'src', 'lib'), { recursive: true })
  fs.copyFileSync(
    path.join(PACKAGE_ROOT, 'src', 'lib', 'test-data.ts'),
    path.join(actionsPackage, 'src', 'lib', 'test-data.ts')
  )
  fs.mkdirSync(path.join(actionsPackage, 'test'), { recursive: true })
  fs.copyFileSync(
    path.join(PACKAGE_ROOT, 'test', 'setup-after-env.ts'),
    path.join(actionsPackage, 'test', 'setup-after-env.ts')
  )
  // Packages resolve from the tree's root, as from the monorepo's hoisted node_modules; nothing else is reachable.
  fs.symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir')
  return { actionsPackage, destinationDir }
}

/** The generated files (types, metadata.json) of a copied folder that a fresh generation would change. */
async function staleGeneratedFiles(entry: string, root: string): Promise<string[]> {
  const expected = await generatedTypeFiles(entry)
  const metadata = metadataFile(entry, root)
  expected.set(metadata.path, metadata.content)
  return [...expected]
    .filter(([file, content]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content)
    .map(([file]) => path.relative(root, file))
}

/**
 * The monorepo's `typecheck` of destination-actions: its compiler options (strict, no unused names, ES2020 without
 * DOM) over the sources, tests excluded as in its tsconfig.build.json.
 */
function writeTsconfig(actionsPackage: string): string {
  const tsconfig = path.join(actionsPackage, 'tsconfig.json')
  const compilerOptions = { ...MONOREPO_COMPILER_OPTIONS, module: 'commonjs', lib: ['es2020'], noEmit: true }
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({ compilerOptions, include: ['src'], exclude: ['**/__tests__/**/*.ts'] }, null, 2)
  )
  return tsconfig
}

/** Jest as the monorepo's destination-actions package configures it, pointed at the temporary tree. */
function writeJestConfig(actionsPackage: string): string {
  const config = {
    rootDir: actionsPackage,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': [require.resolve('ts-jest'), { isolatedModules: true }] },
    setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
    modulePathIgnorePatterns: ['<rootDir>/dist/'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '__tests__/__helpers__/'],
    // Jest 29 writes snapshots as the monorepo's Jest 27 does with these two options.
    snapshotFormat: { escapeString: true, printBasicPrototype: true }
  }
  const file = path.join(actionsPackage, 'jest.dropin.config.json')
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

function installJest27(): string | undefined {
  const jestPackage = path.join(JEST27_DIR, 'node_modules', 'jest', 'package.json')
  const installed =
    fs.existsSync(jestPackage) && (JSON.parse(fs.readFileSync(jestPackage, 'utf8')) as { version: string })
  if (installed && installed.version === '27.5.1') return JEST27_DIR
  fs.mkdirSync(JEST27_DIR, { recursive: true })
  fs.writeFileSync(path.join(JEST27_DIR, 'package.json'), JSON.stringify({ name: 'jest27-runner', private: true }))
  // ts-jest 27 declares TypeScript < 5 as its peer; the monorepo runs it with 5.5.4 all the same.
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--legacy-peer-deps', ...JEST27_PACKAGES]
  return run('npm', args, JEST27_DIR) ? JEST27_DIR : undefined
}

/** The monorepo's own Jest configuration for destination-actions, run by Jest 27 from its own install. */
function writeJest27Config(actionsPackage: string, jest27Dir: string): string {
  const resolveFromJest27 = (request: string) => require.resolve(request, { paths: [jest27Dir] })
  const config = {
    rootDir: actionsPackage,
    testEnvironment: resolveFromJest27('jest-environment-node'),
    transform: { '^.+\\.ts$': resolveFromJest27('ts-jest') },
    globals: { 'ts-jest': { isolatedModules: true } },
    setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
    modulePathIgnorePatterns: ['<rootDir>/dist/'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '__tests__/__helpers__/']
  }
  const file = path.join(actionsPackage, 'jest27.dropin.config.json')
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

/** The compiler options of the monorepo's browser-destinations workspace (its tsconfig.build.json and the root's). */
const BROWSER_BUILD_TSCONFIG = {
  compilerOptions: {
    ...MONOREPO_COMPILER_OPTIONS,
    module: 'esnext',
    lib: ['es2020', 'dom'],
    importHelpers: true,
    outDir: 'dist'
  },
  exclude: ['**/__tests__/**/*.ts'],
  include: ['src']
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

/** Builds the temporary tree for a web package; returns the browser-destinations workspace and the copied package. */
function buildWebTree(sourceDir: string, root: string): { browserPackage: string; packageDir: string } {
  const browserPackage = path.join(root, 'packages', 'browser-destinations')
  const packageDir = path.join(browserPackage, 'destinations', path.basename(path.resolve(sourceDir)))
  fs.cpSync(sourceDir, packageDir, { recursive: true })
  fs.writeFileSync(path.join(browserPackage, 'tsconfig.build.json'), JSON.stringify(BROWSER_BUILD_TSCONFIG, null, 2))
  // What ts-jest reads (the monorepo transpiles tests with Babel, which interoperates with default imports the same way).
  // isolatedModules: ts-jest transpiles each file alone, as Babel does there.
  const jestTsconfig = { extends: './tsconfig.build.json', compilerOptions: { isolatedModules: true } }
  fs.writeFileSync(path.join(browserPackage, 'tsconfig.json'), JSON.stringify(jestTsconfig))
  fs.mkdirSync(path.join(browserPackage, 'test'), { recursive: true })
  fs.writeFileSync(path.join(browserPackage, 'test', 'setup-after-env.ts'), BROWSER_TEST_SETUP)
  fs.symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir')
  return { browserPackage, packageDir }
}

/** Jest as the monorepo's browser-destinations workspace configures it (jsdom, scripts run, default test match). */
function writeWebJestConfig(browserPackage: string): string {
  const config = {
    rootDir: browserPackage,
    testEnvironment: require.resolve('jest-environment-jsdom'),
    testEnvironmentOptions: { runScripts: 'dangerously', resources: 'usable', url: 'https://segment.com' },
    transform: { '^.+\\.ts$': require.resolve('ts-jest') },
    setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
    forceExit: true
  }
  const file = path.join(browserPackage, 'jest.dropin.config.json')
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

function reportImports(folder: DestinationFolder, failures: string[]) {
  step(`Imports of ${path.relative(process.cwd(), folder.root)} stay inside the folder`)
  const rules = folder.kind === 'web' ? WEB_IMPORT_RULES : CLOUD_IMPORT_RULES
  const escaping = findEscapingImports(folder.root, rules)
  for (const { file, specifier, reason } of escaping) console.error(`  ${file}: '${specifier}': ${reason}`)
  if (escaping.length > 0) failures.push(`${escaping.length} import(s) reach outside the folder`)
  else console.log('  ok')
}

async function reportGenerated(entry: string, root: string, failures: string[]) {
  step('Generators leave every file unchanged in the copy')
  const stale = await staleGeneratedFiles(entry, root)
  for (const file of stale) console.error(`  stale: ${file}`)
  if (stale.length > 0) failures.push(`${stale.length} generated file(s) differ from a fresh generation`)
  else console.log('  ok')
}

async function checkCloudFolder(folder: DestinationFolder, root: string, withJest27: boolean): Promise<string[]> {
  const failures: string[] = []
  reportImports(folder, failures)
  const { actionsPackage, destinationDir } = buildCloudTree(folder.root, root)
  console.log(`  copied to ${path.relative(root, destinationDir)} under ${root}`)
  await reportGenerated(destinationDir, destinationDir, failures)

  step('Type-check with the monorepo compiler options')
  if (!run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', writeTsconfig(actionsPackage)], root)) {
    failures.push('the copy does not type-check')
  }

  step('Jest on the copy (snapshots are compared, never written)')
  const jestArgs = [require.resolve('jest/bin/jest'), '--config', writeJestConfig(actionsPackage), '--ci']
  if (!run(process.execPath, jestArgs, root)) failures.push('the tests fail in the copy')

  if (withJest27) failures.push(...runJest27(root, (jest27Dir) => writeJest27Config(actionsPackage, jest27Dir)))
  return failures
}

/**
 * The same Jest set-up under the monorepo's Jest 27 (jsdom 16). The tests ask for `jsdom` in their docblocks, and
 * Jest looks for jest-environment-jsdom from the workspace upwards: Jest 27's own is linked into the workspace's
 * node_modules, so that it is found before the root's (Jest 29's).
 */
function writeWebJest27Config(browserPackage: string, jest27Dir: string): string {
  const resolveFromJest27 = (request: string) => require.resolve(request, { paths: [jest27Dir] })
  const environment = path.dirname(resolveFromJest27('jest-environment-jsdom/package.json'))
  fs.mkdirSync(path.join(browserPackage, 'node_modules'), { recursive: true })
  fs.symlinkSync(environment, path.join(browserPackage, 'node_modules', 'jest-environment-jsdom'), 'dir')
  // Jest 27 does not read package `exports`; the monorepo maps these packages' subpaths to their sources, this tree to
  // their CommonJS builds.
  const commonJsDir = (module: string) => path.dirname(require.resolve(module))
  const moduleNameMapper = {
    '^@segment/browser-destination-runtime/(.*)$': `${commonJsDir('@segment/browser-destination-runtime/shim')}/$1`,
    '^@segment/actions-core/(.*)$': `${commonJsDir('@segment/actions-core')}/$1`
  }
  const config = {
    rootDir: browserPackage,
    moduleNameMapper,
    testEnvironment: environment,
    testEnvironmentOptions: { runScripts: 'dangerously', resources: 'usable', url: 'https://segment.com' },
    transform: { '^.+\\.ts$': resolveFromJest27('ts-jest') },
    globals: { 'ts-jest': { isolatedModules: true } },
    setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
    forceExit: true
  }
  const file = path.join(browserPackage, 'jest27.dropin.config.json')
  fs.writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

/** Runs the tests of a copied folder under Jest 27, installing it first if needed; returns the failures. */
function runJest27(root: string, writeConfig: (jest27Dir: string) => string): string[] {
  step("Jest 27 on the copy, as the monorepo's CI runs it")
  const jest27Dir = installJest27()
  if (!jest27Dir) return ['Jest 27 could not be installed']
  const jest27 = require.resolve('jest/bin/jest', { paths: [jest27Dir] })
  return run(process.execPath, [jest27, '--config', writeConfig(jest27Dir), '--ci'], root)
    ? []
    : ['the tests fail in the copy under Jest 27']
}

async function checkWebFolder(folder: DestinationFolder, root: string, withJest27: boolean): Promise<string[]> {
  const failures: string[] = []
  reportImports(folder, failures)
  const { browserPackage, packageDir } = buildWebTree(folder.root, root)
  console.log(`  copied to ${path.relative(root, packageDir)} under ${root}`)

  step('package.json, tsconfig.json and exports as the monorepo expects of a web package')
  const problems = webPackageProblems(packageDir)
  for (const problem of problems) console.error(`  ${problem}`)
  if (problems.length > 0) failures.push(`${problems.length} problem(s) with the package itself`)
  else console.log('  ok')

  await reportGenerated(path.join(packageDir, 'src'), packageDir, failures)

  step("Type-check with the package's tsconfig.json over the workspace's build configuration")
  const tsc = [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', path.join(packageDir, 'tsconfig.json')]
  if (!run(process.execPath, tsc, root)) failures.push('the copy does not type-check')

  step('Jest with jsdom on the copy, as the browser-destinations workspace runs it')
  const jestArgs = [require.resolve('jest/bin/jest'), '--config', writeWebJestConfig(browserPackage), '--ci']
  if (!run(process.execPath, jestArgs, root)) failures.push('the tests fail in the copy')
  if (withJest27) failures.push(...runJest27(root, (jest27Dir) => writeWebJest27Config(browserPackage, jest27Dir)))
  return failures
}

runTool(
  {
    script: 'check:dropin',
    summary: [
      'Copies each drop-in folder alone into a temporary tree laid out like segmentio/action-destinations, then',
      'checks its imports, regenerates its generated files, type-checks it and runs its tests there. A cloud folder',
      'goes to packages/destination-actions/src/destinations/, a web package to',
      'packages/browser-destinations/destinations/ (its package.json and exports are checked too; tests run in jsdom).'
    ].join('\n'),
    ...FOLDER_ARGUMENTS,
    options: {
      '--jest27': "also run the tests under the monorepo's Jest 27 (installed once into node_modules/.cache/jest27)"
    },
    examples: {
      'npm run check:dropin': 'check the cloud folder and both web packages',
      'npm run check:dropin -- src/browser-destinations/woopra-plugins': 'check one web package'
    }
  },
  async ({ paths, options }) => {
    const folders = destinationsGiven(paths)
    const failures: string[] = []
    for (const folder of folders) {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dropin-'))
      const name = path.relative(process.cwd(), folder.root)
      try {
        const found =
          folder.kind === 'web'
            ? await checkWebFolder(folder, root, options.has('--jest27'))
            : await checkCloudFolder(folder, root, options.has('--jest27'))
        failures.push(...found.map((failure) => `${name}: ${failure}`))
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }
    if (failures.length > 0) {
      console.error(`\n✖ check:dropin failed:\n  - ${failures.join('\n  - ')}`)
      return 1
    }
    console.log(
      `\n✔ check:dropin: ${folders
        .map((folder) => path.relative(process.cwd(), folder.root))
        .join(', ')} work on their own in a monorepo-shaped tree.`
    )
    return 0
  }
)
