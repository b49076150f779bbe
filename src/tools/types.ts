import fs from 'fs'
import path from 'path'
import { generatedTypeFiles } from './generate-types'

// `npm run types`: regenerate every generated-types.ts of the destination.
const DESTINATION_DIR = path.join(__dirname, '..', 'destinations', 'woopra')

async function main() {
  for (const [file, content] of await generatedTypeFiles(DESTINATION_DIR)) {
    fs.writeFileSync(file, content)
    console.log(`wrote ${path.relative(process.cwd(), file)}`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
