import path from 'path'
import { runTool } from './cli'
import { loadDestination } from './load-destination'
import type { AnyDestinationDefinition } from './load-destination'
import { mergeWebIntoCloud, validateDefinition } from './validate-definition'
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

const shown = (folder: DestinationFolder) => path.relative(process.cwd(), folder.root) || '.'

/**
 * The entries the monorepo's manifest would hold: a web package named like the cloud destination (the plugins
 * package) is merged into it, as the CLI merges a browser and a cloud destination registered under one id.
 */
function manifestEntries(folders: DestinationFolder[]): ManifestEntry[] {
  const loaded = folders.map((folder) => ({ folder, definition: loadDestination(folder.entry) }))
  const clouds = loaded.filter(({ folder }) => folder.kind === 'cloud')
  // A web package checked on its own still meets the cloud destination it belongs to.
  if (clouds.length === 0 && loaded.some(({ folder }) => folder.kind === 'web')) {
    const folder: DestinationFolder = { kind: 'cloud', root: DEFAULT_DESTINATION_DIR, entry: DEFAULT_DESTINATION_DIR }
    clouds.push({ folder, definition: loadDestination(folder.entry) })
  }
  const entries: ManifestEntry[] = clouds
    .filter((cloud) => folders.includes(cloud.folder))
    .map(({ folder, definition }) => ({ label: `${definition.name} (${shown(folder)})`, definition, problems: [] }))
  for (const { folder, definition } of loaded.filter(({ folder }) => folder.kind === 'web')) {
    const cloud = clouds.find((candidate) => candidate.definition.name === definition.name)
    if (!cloud) {
      entries.push({ label: `${definition.name} (${shown(folder)})`, definition, problems: [] })
      continue
    }
    const merged = mergeWebIntoCloud(cloud.definition, definition)
    const label = `${definition.name} (${shown(cloud.folder)} + ${shown(folder)})`
    const existing = entries.find((entry) => entry.definition === cloud.definition)
    if (existing) {
      existing.definition = merged.definition
      existing.label = label
      existing.problems.push(...merged.problems)
    } else {
      entries.push({ label, definition: merged.definition, problems: merged.problems })
    }
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
      'A web package named like the cloud destination (woopra-plugins) is checked merged into it, as the CLI',
      'merges a browser and a cloud destination that share a metadata id.'
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
