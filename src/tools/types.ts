import fs from 'fs'
import path from 'path'
import { runTool } from './cli'
import { generatedTypeFiles } from './generate-types'
import { allDestinations, destinationAt } from './destination-dir'

// `npm run types`: the actions CLI's `generate:types`, for this package's destinations or the folders given.
runTool(
  {
    script: 'types',
    summary:
      "Writes every generated-types.ts (the Settings of a destination and the Payload of each action) exactly as the actions CLI's `generate:types` writes it.",
    argumentsUsage: '[folder...]',
    argumentsHelp: [
      'folder  a cloud destination folder (with index.ts) or a web package (with src/index.ts).',
      '        Default: src/destinations/woopra and both packages in src/browser-destinations.'
    ].join('\n'),
    options: { '--check': 'write nothing; list the files that differ and exit 1 if any does' },
    examples: {
      'npm run types': 'regenerate every destination of this package',
      'npm run types -- --check src/browser-destinations/woopra-web': 'check one web package'
    }
  },
  async ({ paths, options }) => {
    const check = options.has('--check')
    const destinations = paths.length > 0 ? paths.map(destinationAt) : allDestinations()
    let stale = 0
    for (const { entry } of destinations) {
      for (const [file, content] of await generatedTypeFiles(entry)) {
        const shown = path.relative(process.cwd(), file)
        if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) {
          console.log(`unchanged ${shown}`)
        } else if (check) {
          console.error(`stale     ${shown}`)
          stale++
        } else {
          fs.writeFileSync(file, content)
          console.log(`wrote     ${shown}`)
        }
      }
    }
    if (stale > 0) console.error(`✖ ${stale} generated file(s) differ from what \`npm run types\` would write.`)
    return stale > 0 ? 1 : 0
  }
)
