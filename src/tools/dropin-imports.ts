import fs from 'fs'
import path from 'path'
import ts from 'typescript'

// The destination folder is copied alone into the monorepo, so it may import only what exists there under the same
// name: the framework, relative files inside the folder, and, from tests, nock and the monorepo's test-data helper.

/** Packages any file of the folder may import (with their subpaths). */
const PACKAGES = ['@segment/actions-core']
/** Packages that test files may import as well: the monorepo's test setup provides them. */
const TEST_PACKAGES = ['nock']
/** The monorepo's `src/lib/test-data.ts`, relative to the destinations folder, for the snapshot tests. */
const TEST_DATA_MODULE = path.join('..', 'lib', 'test-data')

export interface EscapingImport {
  /** The importing file, relative to the destination folder. */
  file: string
  specifier: string
  reason: string
}

function isTestFile(relativeFile: string): boolean {
  return relativeFile.split(path.sep).includes('__tests__') || /\.test\.ts$/.test(relativeFile)
}

function isPackage(specifier: string, packages: string[]): boolean {
  return packages.some((name) => specifier === name || specifier.startsWith(`${name}/`))
}

/** Every .ts file under a folder, as paths relative to it. */
export function typeScriptFiles(folder: string, relative = ''): string[] {
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
function escapeReason(destinationDir: string, relativeFile: string, specifier: string): string | undefined {
  const testFile = isTestFile(relativeFile)
  if (!specifier.startsWith('.')) {
    if (isPackage(specifier, PACKAGES)) return undefined
    if (testFile && isPackage(specifier, TEST_PACKAGES)) return undefined
    return testFile
      ? `only ${[...PACKAGES, ...TEST_PACKAGES].join(', ')} may be imported from tests`
      : `only ${PACKAGES.join(', ')} may be imported`
  }
  const folder = path.resolve(destinationDir)
  const target = path.resolve(folder, path.dirname(relativeFile), specifier)
  if (target === folder || target.startsWith(folder + path.sep)) return undefined
  if (testFile && target === path.resolve(folder, '..', TEST_DATA_MODULE)) return undefined
  return 'the relative path leaves the destination folder'
}

/** Imports, re-exports and requires of the folder's files that reach outside what the monorepo provides. */
export function findEscapingImports(destinationDir: string): EscapingImport[] {
  const escaping: EscapingImport[] = []
  for (const file of typeScriptFiles(destinationDir)) {
    const source = fs.readFileSync(path.join(destinationDir, file), 'utf8')
    // preProcessFile lists static imports, `export … from`, `import()` and `require()` calls.
    const { importedFiles } = ts.preProcessFile(source, true, true)
    for (const { fileName: specifier } of importedFiles) {
      const reason = escapeReason(destinationDir, file, specifier)
      if (reason) escaping.push({ file, specifier, reason })
    }
  }
  return escaping
}
