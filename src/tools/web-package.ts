import fs from 'fs'
import path from 'path'
import { runtimePackageImports } from './dropin-imports'
import { loadDestination } from './load-destination'

// What the monorepo expects of a web package besides its code: a package.json shaped like its siblings' (built by
// tsc into dist/cjs and dist/esm, depending on the runtime, analytics-next as a peer), a tsconfig.json extending the
// workspace's build configuration, and an index that exports the definition and the plugin factory made from it.

interface PackageJson {
  name?: string
  main?: string
  module?: string
  typings?: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

const EXPECTED_FIELDS: Array<[keyof PackageJson, string]> = [
  ['main', './dist/cjs'],
  ['module', './dist/esm'],
  ['typings', './dist/esm']
]

/** What is wrong with a web package's manifest, config and exports (empty when it fits the monorepo). */
export function webPackageProblems(root: string): string[] {
  const problems: string[] = []
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))
  if (!fs.existsSync(path.join(root, 'package.json'))) return ['package.json is missing']
  const manifest = read('package.json') as PackageJson
  if (!manifest.name?.startsWith('@segment/analytics-browser-')) {
    problems.push(`package.json: the name "${manifest.name}" does not start with @segment/analytics-browser-`)
  }
  for (const [field, expected] of EXPECTED_FIELDS) {
    if (manifest[field] !== expected) problems.push(`package.json: "${field}" should be "${expected}"`)
  }
  const dependencies = manifest.dependencies ?? {}
  if (!dependencies['@segment/browser-destination-runtime']) {
    problems.push('package.json: @segment/browser-destination-runtime is not a dependency')
  }
  for (const imported of runtimePackageImports(path.join(root, 'src'))) {
    if (!dependencies[imported]) problems.push(`package.json: ${imported} is imported but not a dependency`)
  }
  if (!manifest.peerDependencies?.['@segment/analytics-next']) {
    problems.push('package.json: @segment/analytics-next is not a peer dependency')
  }
  if (!fs.existsSync(path.join(root, 'tsconfig.json'))) {
    problems.push('tsconfig.json is missing')
  } else if ((read('tsconfig.json') as { extends?: string }).extends !== '../../tsconfig.build.json') {
    problems.push('tsconfig.json does not extend ../../tsconfig.build.json')
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const exported = require(require.resolve(path.resolve(root, 'src')))
  const definition = loadDestination(path.join(root, 'src'))
  if (exported.destination !== definition || (definition.mode as string) !== 'device') {
    problems.push('src/index.ts does not export the device-mode definition as `destination`')
  }
  if (typeof exported.default !== 'function' || exported.default.pluginName !== definition.name) {
    problems.push('src/index.ts does not export `browserDestination(destination)` as its default')
  }
  return problems
}
