import path from 'path'
import { gzipSync } from 'zlib'
import { build } from 'esbuild'

/*
 * `npm run bench -- --size`: the minified and gzipped size of each web package's own code, next to the published Braze Web
 * (Actions) package measured the same way.
 *
 * "Own code" is everything in the package's folder: each package's src/index.ts is bundled with esbuild, minified,
 * for the browser (ES2020, the monorepo's target), with every npm import left out (the runtime, actions-core,
 * analytics-next, and the vendor SDK Braze bundles from npm; Woopra's tracker is a script URL, never bundled).
 * Braze's package ships its TypeScript sources, so both are built from TypeScript by the same compiler and settings.
 */

const ROOT = path.join(__dirname, '..')

const PACKAGES: { name: string; entry: string }[] = [
  {
    name: 'Woopra Web (Actions)  woopra-web',
    entry: path.join(ROOT, 'src/browser-destinations/woopra-web/src/index.ts')
  },
  {
    name: 'Woopra cookie plugin  woopra-plugins',
    entry: path.join(ROOT, 'src/browser-destinations/woopra-plugins/src/index.ts')
  },
  {
    name: 'Braze Web (Actions)   @segment/analytics-browser-actions-braze 1.6.0',
    entry: path.join(ROOT, 'node_modules/@segment/analytics-browser-actions-braze/src/index.ts')
  }
]

export interface SizeResult {
  name: string
  /** Source modules with code in the bundle (type-only imports leave none). */
  modules: number
  minifiedBytes: number
  gzippedBytes: number
}

export async function measure(entry: string): Promise<Omit<SizeResult, 'name'>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    packages: 'external',
    metafile: true,
    logLevel: 'silent'
  })
  const code = result.outputFiles[0].contents
  return {
    modules: Object.keys(result.metafile.inputs).length,
    minifiedBytes: code.byteLength,
    gzippedBytes: gzipSync(code, { level: 9 }).byteLength
  }
}

function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`
}

/** Measures both Woopra web packages and Braze Web (Actions), in that order. */
export async function measureWebPackages(): Promise<SizeResult[]> {
  const rows: SizeResult[] = []
  for (const { name, entry } of PACKAGES) rows.push({ name, ...(await measure(entry)) })
  return rows
}

/** The results as a Markdown table. */
export function sizeTable(rows: SizeResult[]): string {
  const header = ['package (own code: esbuild, minified, ES2020)', 'modules', 'minified', 'gzipped']
  const width = Math.max(header[0].length, ...rows.map((row) => row.name.length))
  const line = (cells: string[]) =>
    `| ${cells[0].padEnd(width)} | ${cells
      .slice(1)
      .map((cell) => cell.padStart(9))
      .join(' | ')} |`
  return [
    line(header),
    `| ${'-'.repeat(width)} | ${['', '', ''].map(() => '--------:').join(' | ')} |`,
    ...rows.map((row) => line([row.name, String(row.modules), kB(row.minifiedBytes), kB(row.gzippedBytes)]))
  ].join('\n')
}
