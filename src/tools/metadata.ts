import { runTool } from './cli'
import { metadataFile } from './generate-metadata'
import { destinationsGiven, FOLDER_ARGUMENTS } from './destination-dir'
import { CHECK_OPTION, GeneratedFiles } from './write-generated'

// `npm run metadata`: the actions CLI's `generate:metadata-payload`, for this package's destinations or those given.
runTool(
  {
    script: 'metadata',
    summary:
      "Writes metadata.json, the public description of a destination, exactly as the actions CLI's `generate:metadata-payload` writes it (next to index.ts for a cloud destination, at the package root for a web one).",
    ...FOLDER_ARGUMENTS,
    options: CHECK_OPTION,
    examples: { 'npm run metadata': 'regenerate every metadata.json of this package' }
  },
  ({ paths, options }) => {
    const generated = new GeneratedFiles(options.has('--check'))
    for (const { entry, root } of destinationsGiven(paths)) {
      const { path: file, content } = metadataFile(entry, root)
      generated.update(file, content)
    }
    return generated.exitStatus('metadata file(s)', 'metadata')
  }
)
