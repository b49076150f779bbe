import fs from 'fs'
import path from 'path'
import { UsageError } from './cli'

/** The cloud destination this package builds. */
export const DEFAULT_DESTINATION_DIR = path.join(__dirname, '..', 'destinations', 'woopra')

/** The web packages (each a monorepo `packages/browser-destinations/destinations/<name>/` folder). */
const WEB_PACKAGE_DIRS = ['woopra-web', 'woopra-plugins'].map((name) =>
  path.join(__dirname, '..', 'browser-destinations', name)
)

/**
 * A destination as the tools see it: a cloud folder (its index.ts at the top), or a web package whose definition sits
 * in `src/`, where the actions CLI reads and writes it.
 */
export interface DestinationFolder {
  kind: 'cloud' | 'web'
  /** The folder that is copied into the monorepo as a whole. */
  root: string
  /** The folder holding index.ts and the generated files. */
  entry: string
}

/** Every destination of this package: the cloud folder, then the web packages. */
export function allDestinations(): DestinationFolder[] {
  return [
    { kind: 'cloud', root: DEFAULT_DESTINATION_DIR, entry: DEFAULT_DESTINATION_DIR },
    ...WEB_PACKAGE_DIRS.map((root) => ({ kind: 'web' as const, root, entry: path.join(root, 'src') }))
  ]
}

/**
 * The destination at a path given on the command line: a web package (its folder or its `src/`), or a cloud folder.
 */
function destinationAt(given: string): DestinationFolder {
  const resolved = path.resolve(given)
  const hasIndex = (folder: string) => ['index.ts', 'index.js'].some((file) => fs.existsSync(path.join(folder, file)))
  const isWebPackage = (folder: string) =>
    fs.existsSync(path.join(folder, 'package.json')) && hasIndex(path.join(folder, 'src'))
  if (isWebPackage(resolved)) return { kind: 'web', root: resolved, entry: path.join(resolved, 'src') }
  if (path.basename(resolved) === 'src' && isWebPackage(path.dirname(resolved))) {
    return { kind: 'web', root: path.dirname(resolved), entry: resolved }
  }
  if (hasIndex(resolved)) return { kind: 'cloud', root: resolved, entry: resolved }
  throw new UsageError(
    `${given} is not a destination folder: expected an index.ts (a cloud destination) or a package.json with src/index.ts (a web destination).`
  )
}

/** The positional arguments every tool takes: destination folders, all of this package's when none is given. */
export const FOLDER_ARGUMENTS = {
  argumentsUsage: '[folder...]',
  argumentsHelp: [
    'folder  a cloud destination folder (with index.ts) or a web package (with src/index.ts).',
    '        Default: src/destinations/woopra and both packages in src/browser-destinations.'
  ].join('\n')
}

/** The destinations named on the command line, or every destination of this package. */
export function destinationsGiven(paths: string[]): DestinationFolder[] {
  return paths.length > 0 ? paths.map(destinationAt) : allDestinations()
}
