import { runTool, UsageError } from './cli'
import { catalogBlocks, catalogPage } from './catalog-tables'
import { CHECK_OPTION, GeneratedFiles } from './write-generated'

// `npm run catalog`: the settings, presets and actions tables of the Segment catalog drafts in docs/catalog/, written
// from the definitions so that the pages cannot drift from them.
runTool(
  {
    script: 'catalog',
    summary:
      "Writes the settings, presets and actions tables of docs/catalog/woopra-actions.md and woopra-web-actions.md from the definitions, between the pages' generated-block markers, as segment-docs' actions-fields include shows them.",
    argumentsUsage: '',
    argumentsHelp: 'No arguments: both catalog pages are written.',
    options: CHECK_OPTION,
    examples: { 'npm run catalog -- --check': 'exit 1 if a catalog page is stale' }
  },
  ({ paths, options }) => {
    if (paths.length > 0) throw new UsageError(`takes no arguments (got ${paths.join(' ')})`)
    const generated = new GeneratedFiles(options.has('--check'))
    for (const block of catalogBlocks()) generated.update(block.page, catalogPage(block))
    return generated.exitStatus('catalog page(s)', 'catalog')
  }
)
