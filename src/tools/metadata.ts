import fs from 'fs'
import path from 'path'
import { runTool } from './cli'
import { metadataFile } from './generate-metadata'
import { allDestinations, destinationAt } from './destination-dir'

// `npm run metadata`: the actions CLI's `generate:metadata-payload`, for this package's destinations or those given.
runTool(
  {
    script: 'metadata',
    summary:
      "Writes metadata.json, the public description of a destination, exactly as the actions CLI's `generate:metadata-payload` writes it (next to index.ts for a cloud destination, at the package root for a web one).",
    argumentsUsage: '[folder...]',
    argumentsHelp: [
      'folder  a cloud destination folder (with index.ts) or a web package (with src/index.ts).',
      '        Default: src/destinations/woopra and both packages in src/browser-destinations.'
    ].join('\n'),
    options: { '--check': 'write nothing; list the files that differ and exit 1 if any does' },
    examples: { 'npm run metadata': 'regenerate every metadata.json of this package' }
  },
  ({ paths, options }) => {
    const check = options.has('--check')
    const destinations = paths.length > 0 ? paths.map(destinationAt) : allDestinations()
    let stale = 0
    for (const { entry, root } of destinations) {
      const { path: file, content } = metadataFile(entry, root)
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
    if (stale > 0) console.error(`✖ ${stale} metadata file(s) differ from what \`npm run metadata\` would write.`)
    return stale > 0 ? 1 : 0
  }
)
