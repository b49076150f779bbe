import path from 'path'
import { build } from 'esbuild'

// The Node helper is a tiny library for backends: at run time it needs Node's async_hooks and its own files, nothing
// from the destination folders, actions-core or analytics-node (whose types it uses).
it('bundles from its own three files, importing only async_hooks at run time', async () => {
  const result = await build({
    entryPoints: [path.join(__dirname, '../../src/node/index.ts')],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    packages: 'external',
    metafile: true,
    logLevel: 'silent'
  })
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.relative('src/node', input))
  expect(inputs.sort()).toEqual(['add-cookie.ts', 'cookie-header.ts', 'index.ts'])
  const imported = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path))
  expect([...new Set(imported)]).toEqual(['async_hooks'])
})
