import fs from 'fs'
import path from 'path'
import { compile } from 'json-schema-to-typescript'
import type { JSONSchema4 } from 'json-schema'
import { fieldsToJsonSchema } from '@segment/actions-core'
import type { DestinationDefinition, GlobalSetting, InputField } from '@segment/actions-core'
import { PRETTIER_OPTIONS } from './prettier-options'

// Writes generated-types.ts exactly as the actions CLI's `generate:types` does (see
// ../shared/reference/segment-action-destinations.md §6.2): the same schema, clean-up, compiler, banner and style.

const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND.'

/** Titles and enums would turn into named types and unions; the CLI strips them for plain interfaces. */
function withoutTitlesAndEnums(schema: JSONSchema4): JSONSchema4 {
  const copy = { ...schema }
  delete copy.title
  delete copy.enum
  if (copy.type === 'object' && copy.properties) {
    for (const [key, property] of Object.entries(copy.properties)) {
      copy.properties[key] = withoutTitlesAndEnums(property)
    }
  } else if (copy.type === 'array' && copy.items) {
    copy.items = withoutTitlesAndEnums(copy.items)
  }
  return copy
}

export function typesFor(fields: Record<string, InputField | GlobalSetting> = {}, name: string): Promise<string> {
  const schema = withoutTitlesAndEnums(fieldsToJsonSchema(fields, { tsType: true }) as JSONSchema4)
  return compile(schema, name, { bannerComment: BANNER, style: PRETTIER_OPTIONS })
}

/** Every generated-types file of a destination folder, as path → content. */
export async function generatedTypeFiles(destinationDir: string): Promise<Map<string, string>> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const definition = require(path.resolve(destinationDir)).default as DestinationDefinition<unknown>
  const files = new Map<string, string>()
  files.set(
    path.join(destinationDir, 'generated-types.ts'),
    await typesFor(definition.authentication?.fields, 'Settings')
  )
  for (const [key, action] of Object.entries(definition.actions)) {
    const actionDir = path.join(destinationDir, key)
    const target = fs.existsSync(actionDir)
      ? path.join(actionDir, 'generated-types.ts')
      : path.join(destinationDir, `${key}.types.ts`)
    files.set(target, await typesFor(action.fields, 'Payload'))
  }
  return files
}
