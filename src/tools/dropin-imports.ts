import fs from 'fs'
import path from 'path'
import ts from 'typescript'

// A drop-in folder is copied alone into the monorepo, so it may import only what exists there under the same name: the
// framework, relative files inside the folder, and, from tests, what the monorepo's test setup provides.

export interface ImportRules {
  /** Packages any file may import (each with its subpaths; list subpaths alone to allow only those). */
  packages: string[]
  /** Packages that test files may import as well. */
  testPackages: string[]
  /** A module outside the folder that tests may import, relative to the folder's parent (the monorepo's test-data). */
  testModule?: string
}

/** A cloud destination in packages/destination-actions/src/destinations/. */
export const CLOUD_IMPORT_RULES: ImportRules = {
  packages: ['@segment/actions-core'],
  testPackages: ['nock'],
  testModule: path.join('..', 'lib', 'test-data')
}

/** A web package in packages/browser-destinations/destinations/: the runtime's public subpaths, never its root. */
export const WEB_IMPORT_RULES: ImportRules = {
  packages: [
    '@segment/actions-core',
    ...['types', 'shim', 'load-script', 'resolve-when', 'plugin'].map(
      (subpath) => `@segment/browser-destination-runtime/${subpath}`
    )
  ],
  testPackages: ['nock', '@segment/analytics-next']
}

export interface EscapingImport {
  /** The importing file, relative to the destination folder. */
  file: string
  specifier: string
  reason: string
}

function isTestFile(relativeFile: string): boolean {
  // test-utilities.ts: the monorepo's name for test helpers kept outside __tests__ (heap-web has one).
  return (
    relativeFile.split(path.sep).includes('__tests__') ||
    /\.test\.ts$/.test(relativeFile) ||
    path.basename(relativeFile) === 'test-utilities.ts'
  )
}

function isPackage(specifier: string, packages: string[]): boolean {
  return packages.some((name) => specifier === name || specifier.startsWith(`${name}/`))
}

/** Every .ts file under a folder, as paths relative to it. */
function typeScriptFiles(folder: string, relative = ''): string[] {
  const files: string[] = []
  // Sorted, so that reports come in the same order on every file system.
  const entries = fs.readdirSync(path.join(folder, relative), { withFileTypes: true })
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const entryPath = path.join(relative, entry.name)
    if (entry.isDirectory()) files.push(...typeScriptFiles(folder, entryPath))
    else if (entry.name.endsWith('.ts')) files.push(entryPath)
  }
  return files
}

/** Why one module specifier of a file would not resolve the same way in the monorepo, or undefined if it would. */
function escapeReason(destinationDir: string, relativeFile: string, specifier: string, rules: ImportRules) {
  const testFile = isTestFile(relativeFile)
  if (!specifier.startsWith('.')) {
    if (isPackage(specifier, rules.packages)) return undefined
    if (testFile && isPackage(specifier, rules.testPackages)) return undefined
    return testFile
      ? `only ${[...rules.packages, ...rules.testPackages].join(', ')} may be imported from tests`
      : `only ${rules.packages.join(', ')} may be imported`
  }
  const folder = path.resolve(destinationDir)
  const target = path.resolve(folder, path.dirname(relativeFile), specifier)
  if (target === folder || target.startsWith(folder + path.sep)) return undefined
  if (testFile && rules.testModule && target === path.resolve(folder, '..', rules.testModule)) return undefined
  return 'the relative path leaves the destination folder'
}

/** Imports, re-exports and requires of the folder's files that reach outside what the monorepo provides. */
export function findEscapingImports(destinationDir: string, rules: ImportRules = CLOUD_IMPORT_RULES): EscapingImport[] {
  const escaping: EscapingImport[] = []
  for (const file of typeScriptFiles(destinationDir)) {
    const source = fs.readFileSync(path.join(destinationDir, file), 'utf8')
    // preProcessFile lists static imports, `export … from`, `import()` and `require()` calls.
    const { importedFiles } = ts.preProcessFile(source, true, true)
    for (const { fileName: specifier } of importedFiles) {
      const reason = escapeReason(destinationDir, file, specifier, rules)
      if (reason) escaping.push({ file, specifier, reason })
    }
  }
  return escaping
}

/** The packages (`name` or `@scope/name`) the folder's non-test files import: what its package.json must declare. */
export function runtimePackageImports(destinationDir: string): string[] {
  const packages = new Set<string>()
  for (const file of typeScriptFiles(destinationDir).filter((file) => !isTestFile(file))) {
    const source = fs.readFileSync(path.join(destinationDir, file), 'utf8')
    for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
      if (specifier.startsWith('.')) continue
      const parts = specifier.split('/')
      packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0])
    }
  }
  return [...packages].sort()
}
