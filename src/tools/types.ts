import fs from 'fs'
import path from 'path'
import { generatedTypeFiles } from './generate-types'
import { DEFAULT_DESTINATION_DIR } from './destination-dir'

// `npm run types [destination folder]`: regenerate every generated-types.ts of the destination.
async function main() {
  for (const [file, content] of await generatedTypeFiles(process.argv[2] ?? DEFAULT_DESTINATION_DIR)) {
    fs.writeFileSync(file, content)
    console.log(`wrote ${path.relative(process.cwd(), file)}`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
