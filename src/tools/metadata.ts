import fs from 'fs'
import path from 'path'
import { metadataFile } from './generate-metadata'
import { DEFAULT_DESTINATION_DIR } from './destination-dir'

// `npm run metadata [destination folder]`: regenerate the destination's metadata.json.
const { path: file, content } = metadataFile(process.argv[2] ?? DEFAULT_DESTINATION_DIR)
fs.writeFileSync(file, content)
console.log(`wrote ${path.relative(process.cwd(), file)}`)
