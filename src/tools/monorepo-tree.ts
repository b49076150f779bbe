import fs from 'fs'
import path from 'path'
import {
  MONOREPO_CONFIG_FILES,
  PRETTIER_IGNORE,
  PRETTIER_OPTIONS,
  RUNTIME_FACTORY_TYPES,
  toolsDir
} from './monorepo-toolchain'

// A temporary tree laid out like segmentio/action-destinations, for check:dropin: the monorepo's configuration files
// at their places, and a node_modules that resolves packages as the monorepo's does where it matters: this package's
// own dependencies, except the browser-destination runtime (the registry's 1.6.0 with the monorepo's PluginFactory
// type) and, for web packages, analytics-next at the monorepo's 1.53.0.

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..')
const RUNTIME = '@segment/browser-destination-runtime'

/** Writes the monorepo's configuration files (tsconfig, ESLint, prettier) into the tree. */
export function writeMonorepoConfig(root: string): void {
  for (const [file, content] of Object.entries(MONOREPO_CONFIG_FILES)) {
    const target = path.join(root, file)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    // The monorepo's .eslintrc.js gives the project paths relative to its own folder.
    const json = file === '.eslintrc.json' ? withTsconfigRoot(content, root) : content
    fs.writeFileSync(target, JSON.stringify(json, null, 2) + '\n')
  }
  fs.writeFileSync(path.join(root, '.prettierrc.json'), JSON.stringify(PRETTIER_OPTIONS))
  fs.writeFileSync(path.join(root, '.prettierignore'), PRETTIER_IGNORE)
  writeMochaGlobals(root)
}

/**
 * The monorepo lints every test file in one program (tsconfig.eslint.json), which also holds the CLI's tests. Their
 * oclif test library references Mocha's types before Jest's are read, so there the globals `describe` and `it` are
 * Mocha's: `it.each` and `describe.each` are `any`, and a value they pass to a typed parameter is an ESLint warning
 * (no-unsafe-argument). One file in the same place of the program gives this tree the same globals.
 */
function writeMochaGlobals(root: string): void {
  const file = path.join(root, 'packages', 'cli', 'test', 'oclif-test-globals.ts')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, '/// <reference types="mocha" />\nexport {}\n')
}

function withTsconfigRoot(config: unknown, root: string): unknown {
  const eslint = config as { parserOptions: Record<string, unknown> }
  return { ...eslint, parserOptions: { ...eslint.parserOptions, tsconfigRootDir: root } }
}

/**
 * Copies the registry's runtime with the monorepo's PluginFactory type, into the tree's node_modules (what packages
 * import) and into packages/browser-destination-runtime/src (the sources the workspace's paths point at, so that a web
 * package whose paths reach them fails to build here as it does there).
 */
function copyRuntime(root: string): string {
  const source = fs.realpathSync(path.join(PACKAGE_ROOT, 'node_modules', RUNTIME))
  const target = path.join(root, 'node_modules', RUNTIME)
  fs.cpSync(source, target, { recursive: true, dereference: true })
  const typeFiles = ['dist/cjs/types.d.ts', 'dist/esm/types.d.ts', 'src/types.ts'].map((file) =>
    path.join(target, file)
  )
  for (const file of typeFiles) {
    const text = fs.readFileSync(file, 'utf8')
    if (!text.includes(RUNTIME_FACTORY_TYPES.registry)) {
      throw new Error(
        `${file} no longer declares PluginFactory as the simulation expects; update RUNTIME_FACTORY_TYPES.`
      )
    }
    fs.writeFileSync(file, text.replace(RUNTIME_FACTORY_TYPES.registry, RUNTIME_FACTORY_TYPES.monorepo))
  }
  fs.cpSync(path.join(target, 'src'), path.join(root, 'packages', 'browser-destination-runtime', 'src'), {
    recursive: true
  })
  return target
}

/**
 * The tree's node_modules: a link to each of this package's dependencies, but the runtime (copied, see copyRuntime)
 * and what the monorepo's workspace resolves otherwise, from its test tools: the type packages the compiler reads and,
 * for web packages, analytics-next and jest-environment-jsdom.
 */
export function linkModules(root: string, kind: 'cloud' | 'web'): void {
  const modules = path.join(root, 'node_modules')
  const own = path.join(PACKAGE_ROOT, 'node_modules')
  const tools = path.join(toolsDir(kind === 'web' ? 'browserJest' : 'cloudJest'), 'node_modules')
  const fromTools = ['@types/node', '@types/jest']
  if (kind === 'web') fromTools.push('@segment/analytics-next', 'jest-environment-jsdom')
  const replaced = new Map(fromTools.map((name) => [name, path.join(tools, name)]))
  replaced.set('@types/mocha', path.join(toolsDir('lint'), 'node_modules', '@types', 'mocha'))
  for (const entry of fs.readdirSync(own)) {
    if (entry.startsWith('.')) continue
    const names = entry.startsWith('@')
      ? fs.readdirSync(path.join(own, entry)).map((name) => `${entry}/${name}`)
      : [entry]
    for (const name of names) {
      if (name === RUNTIME) continue
      fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true })
      fs.symlinkSync(replaced.get(name) ?? path.join(own, name), path.join(modules, name), 'dir')
      replaced.delete(name)
    }
  }
  // What the monorepo has and this package does not.
  for (const [name, target] of replaced) fs.symlinkSync(target, path.join(modules, name), 'dir')
  copyRuntime(root)
}
