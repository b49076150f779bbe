import { runTool } from './cli'
import { metadataFile } from './generate-metadata'
import { loadDestination } from './load-destination'
import { destinationsGiven, FOLDER_ARGUMENTS } from './destination-dir'
import { CHECK_OPTION, GeneratedFiles } from './write-generated'

// `npm run metadata`: the actions CLI's `generate:metadata-payload`, for this package's destinations or those given.
runTool(
  {
    script: 'metadata',
    summary:
      "Writes metadata.json, the public description of a destination, exactly as the actions CLI's `generate:metadata-payload` writes it (next to index.ts for a cloud destination, at the package root for a web one). A cloud destination's file includes the actions and settings of the web package registered under its id (a web package named like it, woopra-plugins here), as the CLI merges them.",
    ...FOLDER_ARGUMENTS,
    options: CHECK_OPTION,
    examples: { 'npm run metadata': 'regenerate every metadata.json of this package' }
  },
  ({ paths, options }) => {
    const generated = new GeneratedFiles(options.has('--check'))
    const folders = destinationsGiven(paths)
    // A web package given is the one registered under its cloud destination's id, if it is named like it.
    const given = folders.map((folder) => ({ folder, definition: loadDestination(folder.entry) }))
    for (const { entry, root } of folders) {
      const { path: file, content } = metadataFile(entry, root, given)
      generated.update(file, content)
    }
    return generated.exitStatus('metadata file(s)', 'metadata')
  }
)
