import fs from 'fs'
import path from 'path'
import { compile } from 'json-schema-to-typescript'
import type { JSONSchema4 } from 'json-schema'
import { fieldsToJsonSchema } from '@segment/actions-core'
import type { GlobalSetting, InputField } from '@segment/actions-core'
import { hookTypeStrings } from '@segment/actions-core/destination-kit'
import { loadDestination, settingsOf } from './load-destination'
import type { AnyDestinationDefinition } from './load-destination'
import { PRETTIER_OPTIONS } from './prettier-options'

// Produces generated-types.ts exactly as the actions CLI's `generate:types` does: the same schema, clean-up,
// compiler (json-schema-to-typescript 10.1.5), banner and prettier style, and the same files for the same inputs.

const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND.'

/** Settings keys the CLI refuses for OAuth 2 destinations, because the OAuth flow owns them. */
const RESERVED_OAUTH_SETTING_NAMES = [
  'oauth',
  'oauth2',
  'accesstoken',
  'access-token',
  'acccess_token',
  'refresh-token',
  'refresh_token',
  'token_type',
  'apikey',
  'apisecret',
  'clientsecret',
  'password',
  'secretkey',
  'secret',
  'securitytoken'
]

type Fields = Record<string, InputField | GlobalSetting>
/** Hook fields are typed apart from action fields (dynamic inputs, plain output types) but compile the same way. */
type HookFields = Record<string, unknown>

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

/** The TypeScript interface `name` for a set of fields, as one generated-types section. */
export function typesFor(fields: Fields = {}, name: string): Promise<string> {
  const schema = withoutTitlesAndEnums(fieldsToJsonSchema(fields, { tsType: true }))
  return compile(schema, name, { bannerComment: BANNER, style: PRETTIER_OPTIONS })
}

async function settingsTypes(definition: AnyDestinationDefinition): Promise<string> {
  const settings = settingsOf(definition)
  if (definition.authentication?.scheme === 'oauth2') {
    const reserved = Object.keys(settings).find((key) => RESERVED_OAUTH_SETTING_NAMES.includes(key.toLowerCase()))
    if (reserved) {
      throw new Error(`Field definition in destination ${definition.name} is using a reserved name: ${reserved}`)
    }
  }
  let types = await typesFor(settings, 'Settings')
  if (definition.audienceFields && Object.keys(definition.audienceFields).length > 0) {
    types += await typesFor(definition.audienceFields, 'AudienceSettings')
  }
  return types
}

async function actionTypes(definition: AnyDestinationDefinition, actionKey: string): Promise<string> {
  const action = definition.actions[actionKey]
  let types = await typesFor(action.fields, 'Payload')
  for (const [hookName, hook] of Object.entries(action.hooks ?? {})) {
    if (!(hookTypeStrings as readonly string[]).includes(hookName)) {
      throw new Error(`Hook name ${hookName} is not a valid ActionHookType`)
    }
    if (!hook) continue
    const inputs: HookFields | undefined = hook.inputFields
    const outputs: HookFields | undefined = hook.outputTypes
    if (inputs) types += await typesFor(inputs as Fields, `${hookName}Inputs`)
    if (outputs) types += await typesFor(outputs as Fields, `${hookName}Outputs`)
  }
  return types
}

/** Every generated-types file of a destination folder, as path → content, without writing anything. */
export async function generatedTypeFiles(destinationDir: string): Promise<Map<string, string>> {
  const definition = loadDestination(destinationDir)
  const files = new Map<string, string>()
  files.set(path.join(destinationDir, 'generated-types.ts'), await settingsTypes(definition))
  for (const actionKey of Object.keys(definition.actions)) {
    // Like the CLI: an action folder named after the key gets the file, otherwise it sits next to index.ts.
    const actionDir = path.join(destinationDir, actionKey)
    const target = fs.existsSync(actionDir)
      ? path.join(actionDir, 'generated-types.ts')
      : path.join(destinationDir, `${actionKey}.types.ts`)
    files.set(target, await actionTypes(definition, actionKey))
  }
  return files
}
