import { runTool } from './cli'
import { generatedTypeFiles } from './generate-types'
import { destinationsGiven, FOLDER_ARGUMENTS } from './destination-dir'
import { CHECK_OPTION, GeneratedFiles } from './write-generated'

// `npm run types`: the actions CLI's `generate:types`, for this package's destinations or the folders given.
runTool(
  {
    script: 'types',
    summary:
      "Writes every generated-types.ts (the Settings of a destination and the Payload of each action) exactly as the actions CLI's `generate:types` writes it.",
    ...FOLDER_ARGUMENTS,
    options: CHECK_OPTION,
    examples: {
      'npm run types': 'regenerate every destination of this package',
      'npm run types -- --check src/browser-destinations/woopra-web': 'check one web package'
    }
  },
  async ({ paths, options }) => {
    const generated = new GeneratedFiles(options.has('--check'))
    for (const { entry } of destinationsGiven(paths)) {
      for (const [file, content] of await generatedTypeFiles(entry)) generated.update(file, content)
    }
    return generated.exitStatus('generated file(s)', 'types')
  }
)
