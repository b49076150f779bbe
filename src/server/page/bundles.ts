import path from 'path'
import { builtinModules } from 'module'
import type { Plugin } from 'esbuild'

/*
 * The page's scripts are bundled with esbuild from the sources when first asked for and kept in memory: nothing is
 * built ahead of time or committed. Restart the server after editing them.
 */

export const BUNDLES = {
  /** The page: @segment/analytics-next with both Woopra web packages. */
  app: path.join(__dirname, 'app.ts'),
  /** The stand-in for Woopra's w.js. */
  standin: path.join(__dirname, 'woopra-standin.ts'),
  /** The two web packages as Segment's CDN serves them to analytics-next (remote plugins), for the browser tests. */
  cdnWoopraWeb: path.join(__dirname, 'cdn', 'woopra-web.ts'),
  cdnWoopraPlugins: path.join(__dirname, 'cdn', 'woopra-plugins.ts')
} as const

export type BundleName = keyof typeof BUNDLES

const NODE_BUILTINS = new Set(builtinModules)

/**
 * `@segment/actions-core`'s main entry imports a few Node modules (`events`, `os`) for code that never runs in the
 * browser; the monorepo's webpack build replaces them with empty modules, and so does this.
 */
const emptyNodeBuiltins: Plugin = {
  name: 'empty-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z:_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '').split('/')[0]
      return NODE_BUILTINS.has(name) ? { path: args.path, namespace: 'empty-node-builtin' } : undefined
    })
    build.onLoad({ filter: /.*/, namespace: 'empty-node-builtin' }, () => ({ contents: 'module.exports = {}' }))
  }
}

const cache = new Map<BundleName, Promise<string>>()

/** The bundled script, built on first use. A failed build is not kept, so that the next request tries again. */
export function bundle(name: BundleName): Promise<string> {
  let built = cache.get(name)
  if (!built) {
    built = build(name)
    cache.set(name, built)
    built.catch(() => cache.delete(name))
  }
  return built
}

async function build(name: BundleName): Promise<string> {
  // Loaded on first use: the server itself does not need esbuild.
  const esbuild = await import('esbuild')
  const result = await esbuild.build({
    entryPoints: [BUNDLES[name]],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: 'inline',
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    plugins: [emptyNodeBuiltins]
  })
  return result.outputFiles[0].text
}
