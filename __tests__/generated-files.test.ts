import fs from 'fs'
import path from 'path'
import { generatedTypeFiles } from '../src/tools/generate-types'
import { metadataFile } from '../src/tools/generate-metadata'
import { loadDestination } from '../src/tools/load-destination'
import { validateDefinition } from '../src/tools/validate-definition'
import { findEscapingImports } from '../src/tools/dropin-imports'
import { DEFAULT_DESTINATION_DIR } from '../src/tools/destination-dir'

// What the monorepo's CI asserts about the committed destination folder, regenerated in memory on every test run.

const relative = (file: string) => path.relative(DEFAULT_DESTINATION_DIR, file)

describe('the committed destination folder', () => {
  it('has every generated-types.ts as `npm run types` (generate:types) writes it', async () => {
    const expected = await generatedTypeFiles(DEFAULT_DESTINATION_DIR)
    expect([...expected.keys()].map(relative).sort()).toEqual([
      'generated-types.ts',
      'identifyUser/generated-types.ts',
      'trackEvent/generated-types.ts',
      'trackPageView/generated-types.ts'
    ])
    for (const [file, content] of expected) {
      // A message naming the stale file reads better than a diff of the whole file.
      expect({ file: relative(file), upToDate: fs.readFileSync(file, 'utf8') === content }).toEqual({
        file: relative(file),
        upToDate: true
      })
    }
  })

  it('has metadata.json as `npm run metadata` (generate:metadata-payload) writes it', () => {
    const { path: file, content } = metadataFile(DEFAULT_DESTINATION_DIR)
    expect(fs.existsSync(file)).toBe(true)
    expect(fs.readFileSync(file, 'utf8')).toBe(content)
  })

  it('passes every check of `npm run validate`', () => {
    expect(validateDefinition(loadDestination(DEFAULT_DESTINATION_DIR))).toEqual([])
  })

  it('imports nothing the monorepo would not resolve the same way', () => {
    expect(findEscapingImports(DEFAULT_DESTINATION_DIR)).toEqual([])
  })
})
