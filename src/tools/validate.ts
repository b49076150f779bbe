import { runTool } from './cli'
import { loadDestination } from './load-destination'
import type { AnyDestinationDefinition } from './load-destination'
import { validateDefinition } from './validate-definition'
import { manifestDefinition, shownFolder } from './manifest'
import type { LoadedDestination } from './manifest'
import type { DefinitionProblem } from './validate-definition'
import { DEFAULT_DESTINATION_DIR, destinationsGiven, FOLDER_ARGUMENTS } from './destination-dir'
import type { DestinationFolder } from './destination-dir'

// `npm run validate`: the actions CLI's `validate` and `validate-secret-fields` checks. Errors fail (exit 1) as they
// fail the monorepo's CI; warnings are printed and pass, as the monorepo only reports them.

interface ManifestEntry {
  label: string
  definition: AnyDestinationDefinition
  problems: DefinitionProblem[]
}

/**
 * The entries the monorepo's manifest would hold for the folders given: a cloud destination merged with the web
 * package registered under its id (the given one named like it, else this package's plugin), as the CLI merges them;
 * a web package given alone that belongs to a cloud destination is checked merged into it (this package's, when that
 * was not given); any other web package alone.
 */
function manifestEntries(folders: DestinationFolder[]): ManifestEntry[] {
  const loaded: LoadedDestination[] = folders.map((folder) => ({ folder, definition: loadDestination(folder.entry) }))
  const clouds = loaded.filter(({ folder }) => folder.kind === 'cloud')
  const webs = loaded.filter(({ folder }) => folder.kind === 'web')
  const defaultCloud = (): LoadedDestination => {
    const folder: DestinationFolder = { kind: 'cloud', root: DEFAULT_DESTINATION_DIR, entry: DEFAULT_DESTINATION_DIR }
    return { folder, definition: loadDestination(folder.entry) }
  }
  // A web package checked on its own still meets the cloud destination it belongs to.
  const candidates = clouds.length > 0 || webs.length === 0 ? clouds : [defaultCloud()]
  const entries: ManifestEntry[] = []
  const merged = new Set<DestinationFolder>()
  for (const cloud of candidates) {
    const { definition, plugin, problems } = manifestDefinition(cloud.definition, webs)
    if (!clouds.includes(cloud) && !(plugin && webs.includes(plugin))) continue
    if (plugin) merged.add(plugin.folder)
    const label = [cloud, ...(plugin ? [plugin] : [])].map(({ folder }) => shownFolder(folder)).join(' + ')
    entries.push({ label: `${cloud.definition.name} (${label})`, definition, problems })
  }
  for (const web of webs.filter(({ folder }) => !merged.has(folder))) {
    entries.push({
      label: `${web.definition.name} (${shownFolder(web.folder)})`,
      definition: web.definition,
      problems: []
    })
  }
  return entries
}

function report({ label, definition, problems }: ManifestEntry): boolean {
  const all = [...problems, ...validateDefinition(definition)]
  const errors = all.filter((problem) => problem.severity === 'error')
  const warnings = all.filter((problem) => problem.severity === 'warning')
  if (all.length === 0) {
    console.log(`✔ ${label}: passes every check of the monorepo's validate commands.`)
    return true
  }
  const counts = [`${errors.length} error(s)`, `${warnings.length} warning(s)`].join(', ')
  console.error(`${errors.length > 0 ? '✖' : '⚠'} ${label}: ${counts}:`)
  for (const { message } of errors) console.error(`  - error: ${message}`)
  for (const { message } of warnings) console.error(`  - warning (the monorepo only reports this): ${message}`)
  return errors.length === 0
}

runTool(
  {
    script: 'validate',
    summary: [
      "Checks destination definitions as the actions CLI's `validate` and `validate-secret-fields` commands do:",
      'presets, subscriptions, action and field descriptions, batch keys, setting defaults, secret settings.',
      "Errors fail (exit 1) as in the monorepo's CI; warnings are printed and pass, as the monorepo only reports them.",
      'A cloud destination is checked merged with the web package registered under its id (one named like it:',
      'woopra-plugins), as the CLI merges a browser and a cloud destination that share a metadata id.'
    ].join('\n'),
    ...FOLDER_ARGUMENTS,
    examples: {
      'npm run validate': 'check every destination of this package',
      'npm run validate -- path/to/destination': 'check another destination folder'
    }
  },
  ({ paths }) => {
    const folders = destinationsGiven(paths)
    const results = manifestEntries(folders).map(report)
    return results.every(Boolean) ? 0 : 1
  }
)
