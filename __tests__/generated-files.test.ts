import fs from 'fs'
import path from 'path'
import { build } from 'esbuild'
import { generatedTypeFiles } from '../src/tools/generate-types'
import { metadataFile } from '../src/tools/generate-metadata'
import { loadDestination } from '../src/tools/load-destination'
import { validateDefinition } from '../src/tools/validate-definition'
import { mergeWebIntoCloud } from '../src/tools/manifest'
import { CLOUD_IMPORT_RULES, findEscapingImports, WEB_IMPORT_RULES } from '../src/tools/dropin-imports'
import { webPackageProblems } from '../src/tools/web-package'
import { allDestinations } from '../src/tools/destination-dir'

// What the monorepo's CI asserts about the committed drop-in folders (the cloud destination and both web packages),
// regenerated in memory on every test run.

const [cloud, web, plugins] = allDestinations()

describe.each([
  [
    'src/destinations/woopra',
    cloud,
    [
      'generated-types.ts',
      'identifyUser/generated-types.ts',
      'trackEvent/generated-types.ts',
      'trackPageView/generated-types.ts'
    ]
  ],
  [
    'src/browser-destinations/woopra-web',
    web,
    [
      'src/generated-types.ts',
      'src/identifyUser/generated-types.ts',
      'src/trackEvent/generated-types.ts',
      'src/trackPageView/generated-types.ts'
    ]
  ],
  [
    'src/browser-destinations/woopra-plugins',
    plugins,
    ['src/generated-types.ts', 'src/woopraCookie/generated-types.ts']
  ]
])('the committed folder %s', (_name, folder, typeFiles) => {
  const relative = (file: string) => path.relative(folder.root, file)

  it('has every generated-types.ts as `npm run types` (generate:types) writes it', async () => {
    const expected = await generatedTypeFiles(folder.entry)
    expect([...expected.keys()].map(relative).sort()).toEqual(typeFiles)
    for (const [file, content] of expected) {
      // A message naming the stale file reads better than a diff of the whole file.
      expect({ file: relative(file), upToDate: fs.readFileSync(file, 'utf8') === content }).toEqual({
        file: relative(file),
        upToDate: true
      })
    }
  })

  it('has metadata.json as `npm run metadata` (generate:metadata-payload) writes it', () => {
    const { path: file, content } = metadataFile(folder.entry, folder.root)
    expect(relative(file)).toBe('metadata.json')
    expect(fs.existsSync(file)).toBe(true)
    expect(fs.readFileSync(file, 'utf8')).toBe(content)
  })

  it('imports nothing the monorepo would not resolve the same way', () => {
    expect(findEscapingImports(folder.root, folder.kind === 'web' ? WEB_IMPORT_RULES : CLOUD_IMPORT_RULES)).toEqual([])
  })
})

describe('`npm run validate` on the committed definitions', () => {
  it('passes for the cloud destination merged with the cookie plugin, as the manifest merges them', () => {
    const merged = mergeWebIntoCloud(loadDestination(cloud.entry), loadDestination(plugins.entry))
    expect(merged.problems).toEqual([])
    expect(Object.keys(merged.definition.actions)).toEqual([
      'identifyUser',
      'trackEvent',
      'trackPageView',
      'woopraCookie'
    ])
    expect(Object.keys(merged.definition.authentication?.fields ?? {})).toEqual([
      'project',
      'ignoreQueryUrl',
      'cookieName',
      'cookieDomain',
      'cookiePath'
    ])
    expect(validateDefinition(merged.definition)).toEqual([])
  })

  it('passes for Woopra Web', () => {
    expect(validateDefinition(loadDestination(web.entry))).toEqual([])
  })
})

describe.each([
  // Woopra Web runs the runtime's plugin module (which the shim loads) to tell which events its tracker sends.
  ['woopra-web', web, ['@segment/browser-destination-runtime/shim', '@segment/browser-destination-runtime/plugin']],
  ['woopra-plugins', plugins, ['@segment/browser-destination-runtime/shim']]
])('the web package %s', (_name, folder, runtimeImports) => {
  it('has the package.json, tsconfig.json and exports the monorepo expects', () => {
    expect(webPackageProblems(folder.root)).toEqual([])
  })

  it("imports @segment/actions-core for its types only: at run time the bundle needs only the runtime's modules", async () => {
    // esbuild, as the monorepo's bundler, drops type-only imports; a value import of actions-core would pull its whole
    // root (validation, request client, ...) into the browser bundle.
    const result = await build({
      entryPoints: [path.join(folder.entry, 'index.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      packages: 'external',
      metafile: true,
      logLevel: 'silent'
    })
    const imported = Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((entry) => entry.external).map((entry) => entry.path)
    )
    expect([...new Set(imported)].sort()).toEqual([...runtimeImports].sort())
  })
})
