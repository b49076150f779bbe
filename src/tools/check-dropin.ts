import fs from 'fs'
import os from 'os'
import path from 'path'
import { spawnSync } from 'child_process'
import { findEscapingImports } from './dropin-imports'
import { generatedTypeFiles } from './generate-types'
import { metadataFile } from './generate-metadata'
import { DEFAULT_DESTINATION_DIR } from './destination-dir'

// `npm run check:dropin [destination folder]`: proves that the destination folder works on its own, as it will once
// copied into segmentio/action-destinations. It copies the folder into a temporary tree laid out like the monorepo's
// packages/destination-actions (the folder, src/lib/test-data.ts and the test setup, nothing else of this package),
// then checks its imports, regenerates its generated files, type-checks it and runs its tests there.
// With --jest27 the tests also run under the monorepo's own Jest 27 and ts-jest 27, with Jest 27's default snapshot
// format; they are installed once, outside package.json, into node_modules/.cache/jest27.

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..')
/** The monorepo's destination-actions test runner (yarn.lock: jest 27.5.1, ts-jest 27.1.5, TypeScript 5.5.4). */
const JEST27_DIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'jest27')
const JEST27_PACKAGES = ['jest@27.5.1', 'ts-jest@27.1.5', 'typescript@5.5.4']

function step(title: string) {
  console.log(`\n▶ ${title}`)
}

function run(command: string, args: string[], cwd: string): boolean {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } })
  return result.status === 0
}

/** Builds the temporary monorepo-shaped tree; returns its destination-actions package and the copied folder. */
function buildTree(sourceDir: string, root: string): { actionsPackage: string; destinationDir: string } {
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

async function staleGeneratedFiles(destinationDir: string): Promise<string[]> {
  const expected = await generatedTypeFiles(destinationDir)
  const metadata = metadataFile(destinationDir)
  expected.set(metadata.path, metadata.content)
  return [...expected]
    .filter(([file, content]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content)
    .map(([file]) => path.relative(destinationDir, file))
}

/**
 * The monorepo's `typecheck` of destination-actions: its compiler options (strict, no unused names, ES2020 without
 * DOM) over the sources, tests excluded as in its tsconfig.build.json.
 */
function writeTsconfig(actionsPackage: string): string {
  const tsconfig = path.join(actionsPackage, 'tsconfig.json')
  const compilerOptions = {
    module: 'commonjs',
    target: 'es2020',
    lib: ['es2020'],
    moduleResolution: 'node',
    esModuleInterop: true,
    resolveJsonModule: true,
    strict: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    strictPropertyInitialization: false,
    useUnknownInCatchVariables: false,
    skipLibCheck: true,
    noEmit: true
  }
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

async function main() {
  const withJest27 = process.argv.includes('--jest27')
  const folderArgument = process.argv.slice(2).find((arg) => !arg.startsWith('--'))
  const sourceDir = path.resolve(folderArgument ?? DEFAULT_DESTINATION_DIR)
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dropin-'))
  const failures: string[] = []
  try {
    step(`Imports of ${path.relative(process.cwd(), sourceDir)} stay inside the folder`)
    const escaping = findEscapingImports(sourceDir)
    for (const { file, specifier, reason } of escaping) console.error(`  ${file}: '${specifier}': ${reason}`)
    if (escaping.length > 0) failures.push(`${escaping.length} import(s) reach outside the destination folder`)
    else console.log('  ok')

    const { actionsPackage, destinationDir } = buildTree(sourceDir, root)
    console.log(`  copied to ${path.relative(root, destinationDir)} under ${root}`)

    step('Generators leave every file unchanged in the copy')
    const stale = await staleGeneratedFiles(destinationDir)
    for (const file of stale) console.error(`  stale: ${file}`)
    if (stale.length > 0) failures.push(`${stale.length} generated file(s) differ from a fresh generation`)
    else console.log('  ok')

    step('Type-check with the monorepo compiler options')
    if (!run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', writeTsconfig(actionsPackage)], root)) {
      failures.push('the copy does not type-check')
    }

    step('Jest on the copy (snapshots are compared, never written)')
    const jestArgs = [require.resolve('jest/bin/jest'), '--config', writeJestConfig(actionsPackage), '--ci']
    if (!run(process.execPath, jestArgs, root)) failures.push('the tests fail in the copy')

    if (withJest27) {
      step("Jest 27 on the copy, as the monorepo's CI runs it")
      const jest27Dir = installJest27()
      if (!jest27Dir) {
        failures.push('Jest 27 could not be installed')
      } else {
        const jest27 = require.resolve('jest/bin/jest', { paths: [jest27Dir] })
        const jest27Args = [jest27, '--config', writeJest27Config(actionsPackage, jest27Dir), '--ci']
        if (!run(process.execPath, jest27Args, root)) failures.push('the tests fail in the copy under Jest 27')
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }

  if (failures.length > 0) {
    console.error(`\n✖ check:dropin failed:\n  - ${failures.join('\n  - ')}`)
    process.exitCode = 1
  } else {
    console.log('\n✔ check:dropin: the destination folder works on its own in a monorepo-shaped tree.')
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
