import fs from 'fs'
import path from 'path'
import { builtinModules } from 'module'

// `npm ci --omit=dev` installs only `dependencies`: everything `npm start` and `npm run replay` load at run time must
// be there, including what the development page bundles when it is first asked for. This follows the imports from
// the commands' entry points through the package's own files and lists the packages they reach; .ci/run proves the
// same with a real `npm ci --omit=dev`.

const ROOT = path.join(__dirname, '..')
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** The entry points of the run-time commands, and the page's scripts the server bundles on first request. */
const ENTRY_POINTS = [
  'src/server/cli.ts',
  'src/replay/cli.ts',
  'src/server/page/app.ts',
  'src/server/page/woopra-standin.ts'
]

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

/** The specifiers a TypeScript file loads at run time: imports and re-exports (not `import type`), import(), require(). */
export function runtimeSpecifiers(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const patterns = [
    /^\s*import\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\s)[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g
  ]
  return patterns.flatMap((pattern) => [...withoutComments.matchAll(pattern)].map((match) => match[1]))
}

/** A relative specifier resolved to a file of the package, as TypeScript's node resolution finds it. */
function resolveRelative(fromFile: string, specifier: string): string {
  const base = path.resolve(path.dirname(fromFile), specifier)
  const candidates = [base, `${base}.ts`, `${base}.js`, `${base}.json`, path.join(base, 'index.ts')]
  const found = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile())
  if (!found) throw new Error(`${path.relative(ROOT, fromFile)} imports ${specifier}, which does not resolve`)
  return found
}

/** The npm package a bare specifier names: `@scope/name` or `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

/** Every package the given entry points load at run time, with the first file of the package that loads it. */
export function packagesReached(entries: string[]): Map<string, string> {
  const reached = new Map<string, string>()
  const seen = new Set<string>()
  const pending = entries.map((entry) => path.join(ROOT, entry))
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file) || !file.endsWith('.ts')) continue
    seen.add(file)
    for (const specifier of runtimeSpecifiers(fs.readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) pending.push(resolveRelative(file, specifier))
      else if (!BUILTINS.has(specifier) && !reached.has(packageName(specifier))) {
        reached.set(packageName(specifier), path.relative(ROOT, file))
      }
    }
  }
  return reached
}

describe('run-time dependencies', () => {
  it('every package npm start, npm run replay and the development page load is a dependency', () => {
    const missing = [...packagesReached(ENTRY_POINTS)]
      .filter(([name]) => !(name in packageJson.dependencies))
      .map(([name, file]) => `${name} (loaded by ${file})`)
    expect(missing).toEqual([])
  })

  it('includes what the scripts run through: ts-node and its compiler', () => {
    for (const script of ['start', 'replay']) expect(packageJson.scripts[script]).toContain('ts-node/register')
    expect(Object.keys(packageJson.dependencies)).toEqual(expect.arrayContaining(['ts-node', 'typescript']))
  })

  it('lists each package once, in dependencies or devDependencies', () => {
    const both = Object.keys(packageJson.dependencies).filter((name) => name in packageJson.devDependencies)
    expect(both).toEqual([])
  })

  it('follows value imports, re-exports, import() and require(), and skips type-only imports', () => {
    const source = [
      "import { a } from 'alpha'",
      "import type { B } from 'beta'",
      "import 'gamma/side-effect'",
      "export { c } from '@scope/delta/sub'",
      "export type { D } from 'epsilon'",
      "const z = await import('zeta')",
      "// import { x } from 'commented'",
      "const e = require('eta')"
    ].join('\n')
    expect(runtimeSpecifiers(source).sort()).toEqual(['@scope/delta/sub', 'alpha', 'eta', 'gamma/side-effect', 'zeta'])
  })

  it('finds the packages the server reaches through its own files', () => {
    const reached = packagesReached(['src/server/cli.ts'])
    expect([...reached.keys()]).toEqual(expect.arrayContaining(['@segment/actions-core', 'esbuild']))
  })
})
