import fs from 'fs'
import os from 'os'
import path from 'path'
import { generatedTypeFiles, typesFor } from '../src/tools/generate-types'

// The generator against the CLI's conventions, on fields and layouts the Woopra destination does not use.

const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND.'

describe('typesFor', () => {
  it('writes one documented interface, choices as plain strings, datetimes as string | number', async () => {
    const types = await typesFor(
      {
        region: {
          label: 'Region',
          description: 'Where the data lives.',
          type: 'string',
          choices: ['eu', 'us'],
          required: true
        },
        sent_at: { label: 'Sent At', description: 'When.', type: 'datetime' },
        tags: { label: 'Tags', description: 'Labels.', type: 'string', multiple: true },
        user: {
          label: 'User',
          description: 'The user.',
          type: 'object',
          properties: { id: { label: 'ID', description: 'Its ID.', type: 'integer', required: true } }
        },
        extra: { label: 'Extra', description: 'Anything.', type: 'object' }
      },
      'Payload'
    )
    expect(types).toBe(`${BANNER}

export interface Payload {
  /**
   * Where the data lives.
   */
  region: string
  /**
   * When.
   */
  sent_at?: string | number
  /**
   * Labels.
   */
  tags?: string[]
  /**
   * The user.
   */
  user?: {
    /**
     * Its ID.
     */
    id: number
  }
  /**
   * Anything.
   */
  extra?: {
    [k: string]: unknown
  }
}
`)
  })

  it('writes an empty interface for no fields', async () => {
    expect(await typesFor(undefined, 'Settings')).toBe(`${BANNER}\n\nexport interface Settings {}\n`)
  })
})

describe('generatedTypeFiles', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'types-'))
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  const writeDestination = (definition: string) =>
    fs.writeFileSync(path.join(dir, 'index.js'), `module.exports = { default: ${definition} }`)

  it('puts action types in the action folder, or next to index when the action has no folder', async () => {
    fs.mkdirSync(path.join(dir, 'withFolder'))
    writeDestination(`{
      name: 'Example', mode: 'cloud',
      authentication: { scheme: 'custom', fields: {} },
      audienceFields: { audience_id: { label: 'Audience', description: 'The audience.', type: 'string' } },
      actions: {
        withFolder: { title: 'A', description: 'a', fields: {}, perform() {},
          hooks: { onMappingSave: { label: 'H', description: 'h',
            inputFields: { name: { label: 'N', description: 'Its name.', type: 'string' } },
            outputTypes: { id: { label: 'I', description: 'Its ID.', type: 'string', required: true } } } } },
        withoutFolder: { title: 'B', description: 'b', fields: {}, perform() {} }
      }
    }`)
    const files = await generatedTypeFiles(dir)
    expect([...files.keys()].map((file) => path.relative(dir, file))).toEqual([
      'generated-types.ts',
      path.join('withFolder', 'generated-types.ts'),
      'withoutFolder.types.ts'
    ])
    expect(files.get(path.join(dir, 'generated-types.ts'))).toContain('export interface AudienceSettings {')
    const hookTypes = files.get(path.join(dir, 'withFolder', 'generated-types.ts'))
    expect(hookTypes).toContain('export interface OnMappingSaveInputs {')
    expect(hookTypes).toContain('export interface OnMappingSaveOutputs {')
  })

  it('refuses reserved setting names in OAuth 2 destinations', async () => {
    writeDestination(`{
      name: 'Example', mode: 'cloud',
      authentication: { scheme: 'oauth2', fields: { apiKey: { label: 'K', description: 'k', type: 'password' } } },
      actions: {}
    }`)
    await expect(generatedTypeFiles(dir)).rejects.toThrow(
      'Field definition in destination Example is using a reserved name: apiKey'
    )
  })

  it('refuses unknown hooks', async () => {
    writeDestination(
      `{ name: 'Example', mode: 'cloud', actions: { a: { title: 'A', description: 'a', fields: {}, hooks: { onWhatever: {} } } } }`
    )
    await expect(generatedTypeFiles(dir)).rejects.toThrow('Hook name onWhatever is not a valid ActionHookType')
  })
})
