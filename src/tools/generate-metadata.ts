import path from 'path'
import { hookTypeStrings } from '@segment/actions-core/destination-kit'
import { loadDestination } from './load-destination'
import type { AnyDestinationDefinition } from './load-destination'
import { manifestDefinition } from './manifest'
import type { LoadedDestination } from './manifest'

// Produces metadata.json exactly as the actions CLI's `generate:metadata-payload` does: the public description of a
// destination, every key present in a fixed order, absent values as null (or false), choices as {label, value}.
// The CLI then runs prettier on the file, but the monorepo's .prettierignore lists `**/metadata.json`, so prettier
// leaves it alone: the committed file is plain `JSON.stringify(payload, null, 2)` plus a newline.

/* eslint-disable @typescript-eslint/no-explicit-any -- definitions are read as loose data, like the CLI does */

export interface Choice {
  label: string
  value: unknown
}

type Required = boolean | { conditions: Array<{ fieldKey: string; operator: string; value: unknown }> }

export interface MetadataSetting {
  label: string | undefined
  description: string | undefined
  type: string
  required: Required
  multiple: boolean
  choices: Choice[] | null
  default: unknown
  depends_on: unknown
}

export interface MetadataField {
  label: string | undefined
  description: string | undefined
  type: string
  required: Required
  multiple: boolean
  allowNull: boolean
  dynamic: boolean
  default: unknown
  choices: Choice[] | null
  placeholder: string | null
  properties: Record<string, MetadataField> | null
  category: string | null
  depends_on: unknown
  readOnly: boolean | null
  hidden: boolean | null
  minimum: number | null
  maximum: number | null
  defaultObjectUI: string | null
  disabledInputMethods: string[] | null
  displayMode: string | null
  format: string | null
  additionalProperties: boolean
}

export interface MetadataHook {
  label: string
  description: string
  inputFields: Record<string, MetadataField>
  outputFields: Record<string, MetadataField>
}

export interface MetadataAction {
  title: string
  description: string
  platform: 'cloud' | 'web'
  defaultSubscription: string | null
  hidden: boolean
  hasPerformBatch: boolean
  syncMode: { default: string; label: string; description: string; choices: Choice[] } | null
  hooks: Record<string, MetadataHook> | null
  dynamicFields: Record<string, string[]> | null
  fields: Record<string, MetadataField>
}

export interface MetadataPreset {
  name: string
  type: string | undefined
  partnerAction: string
  subscribe: string
  mapping: Record<string, unknown>
  eventSlug: string | null
}

export interface DestinationMetadata {
  slug: string
  name: string
  mode: 'cloud' | 'device' | 'warehouse'
  description: string | undefined
  authentication: { scheme: string; fields: Record<string, MetadataSetting> } | null
  audienceConfig: {
    mode: { type: 'synced'; full_audience_sync: boolean } | { type: 'realtime' }
    audienceFields: Record<string, MetadataSetting>
    supportsAudienceFunctions: boolean
  } | null
  actions: Record<string, MetadataAction>
  presets: MetadataPreset[]
}

/** Choices as {label, value} objects: plain values become their own label; no choices at all become null. */
export function normalizeChoices(choices: unknown): Choice[] | null {
  if (!Array.isArray(choices) || choices.length === 0) return null
  return choices.map((choice: unknown) =>
    typeof choice === 'object' && choice !== null && 'label' in choice && 'value' in choice
      ? (choice as Choice)
      : { label: String(choice), value: choice }
  )
}

/** `required` is either a conditions object, kept as it is, or strictly `true`. */
function requiredOf(field: any): Required {
  return typeof field.required === 'object' && field.required !== null ? field.required : field.required === true
}

function mapValues<T>(record: unknown, serialize: (value: any) => T): Record<string, T> {
  const result: Record<string, T> = {}
  for (const [key, value] of Object.entries((record ?? {}) as Record<string, unknown>)) result[key] = serialize(value)
  return result
}

function settingMetadata(setting: any): MetadataSetting {
  return {
    label: setting.label,
    description: setting.description,
    type: setting.type,
    required: requiredOf(setting),
    multiple: setting.multiple ?? false,
    choices: normalizeChoices(setting.choices),
    default: setting.default ?? null,
    depends_on: setting.depends_on ?? null
  }
}

export function fieldMetadata(field: any): MetadataField {
  const hasProperties = field.type === 'object' && field.properties && typeof field.properties === 'object'
  return {
    label: field.label,
    description: field.description,
    type: field.type,
    required: requiredOf(field),
    multiple: field.multiple ?? false,
    allowNull: field.allowNull ?? false,
    // A dynamic field may be a function (its choices are fetched); the public schema only says that it is dynamic.
    dynamic: typeof field.dynamic === 'function' ? true : field.dynamic ?? false,
    default: field.default ?? null,
    choices: normalizeChoices(field.choices),
    placeholder: field.placeholder ?? null,
    properties: hasProperties ? mapValues(field.properties, fieldMetadata) : null,
    category: field.category ?? null,
    depends_on: field.depends_on ?? null,
    readOnly: field.readOnly ?? null,
    hidden: field.unsafe_hidden ?? null,
    minimum: field.minimum ?? null,
    maximum: field.maximum ?? null,
    defaultObjectUI: field.defaultObjectUI ?? null,
    disabledInputMethods: field.disabledInputMethods ?? null,
    displayMode: field.displayMode ?? null,
    format: field.format ?? null,
    additionalProperties: field.additionalProperties ?? false
  }
}

function choicesOf(choices: unknown): Choice[] {
  return Array.isArray(choices) ? (choices as Choice[]) : []
}

function syncModeMetadata(syncMode: any): MetadataAction['syncMode'] {
  if (!syncMode) return null
  return {
    default: syncMode.default,
    label: syncMode.label ?? 'Sync Mode',
    description: syncMode.description ?? '',
    choices: choicesOf(syncMode.choices).map((choice) => ({ value: choice.value, label: choice.label }))
  }
}

function hooksMetadata(hooks: unknown): MetadataAction['hooks'] {
  const result: Record<string, MetadataHook> = {}
  for (const [hookKey, hook] of Object.entries((hooks ?? {}) as Record<string, any>)) {
    if (!(hookTypeStrings as readonly string[]).includes(hookKey)) continue
    result[hookKey] = {
      label: hook.label ?? hookKey,
      description: hook.description ?? '',
      inputFields: mapValues(hook.inputFields, fieldMetadata),
      outputFields: mapValues(hook.outputTypes ?? hook.outputFields, fieldMetadata)
    }
  }
  return Object.keys(result).length > 0 ? result : null
}

/** Only declarative dynamic fields (keys and values pickers of an object field) are public; functions are not. */
function dynamicFieldsMetadata(dynamicFields: unknown): MetadataAction['dynamicFields'] {
  if (!dynamicFields || typeof dynamicFields !== 'object') return null
  const result: Record<string, string[]> = {}
  for (const [fieldKey, dynamic] of Object.entries(dynamicFields as Record<string, unknown>)) {
    if (typeof dynamic !== 'object' || dynamic === null) continue
    const keys = Object.keys(dynamic).filter((key) => key === '__keys__' || key === '__values__')
    if (keys.length > 0) result[fieldKey] = keys
  }
  return Object.keys(result).length > 0 ? result : null
}

export function actionMetadata(actionKey: string, action: any): MetadataAction {
  return {
    title: action.title ?? actionKey,
    description: action.description ?? '',
    platform: action.platform === 'web' ? 'web' : 'cloud',
    defaultSubscription: action.defaultSubscription ?? null,
    hidden: action.hidden ?? false,
    hasPerformBatch: typeof action.performBatch === 'function',
    syncMode: syncModeMetadata(action.syncMode),
    hooks: hooksMetadata(action.hooks),
    dynamicFields: dynamicFieldsMetadata(action.dynamicFields),
    fields: mapValues(action.fields, fieldMetadata)
  }
}

function authenticationMetadata(definition: AnyDestinationDefinition): DestinationMetadata['authentication'] {
  // Cloud destinations keep settings in authentication.fields; browser and warehouse ones in `settings`.
  const settings = definition.authentication?.fields ?? definition.settings
  if (!definition.authentication && (!settings || Object.keys(settings).length === 0)) return null
  return {
    scheme: definition.authentication?.scheme ?? 'custom',
    fields: mapValues(settings, settingMetadata)
  }
}

function audienceConfigMetadata(definition: AnyDestinationDefinition): DestinationMetadata['audienceConfig'] {
  const config = definition.audienceConfig
  if (!config) return null
  const mode = config.mode ?? {}
  return {
    mode:
      mode.type === 'synced'
        ? { type: 'synced', full_audience_sync: mode.full_audience_sync ?? false }
        : { type: 'realtime' },
    audienceFields: mapValues(definition.audienceFields, settingMetadata),
    supportsAudienceFunctions: typeof config.createAudience === 'function' && typeof config.getAudience === 'function'
  }
}

/** The public metadata of a destination, in the CLI's key order. */
export function destinationMetadata(slug: string, definition: AnyDestinationDefinition): DestinationMetadata {
  if (!slug) throw new Error(`metadata.json generation requires a slug but received: "${slug}"`)
  return {
    slug,
    name: definition.name,
    mode: (definition.mode as DestinationMetadata['mode'] | undefined) ?? 'cloud',
    description: definition.description,
    authentication: authenticationMetadata(definition),
    audienceConfig: audienceConfigMetadata(definition),
    actions: Object.fromEntries(
      Object.entries(definition.actions).map(([actionKey, action]) => [actionKey, actionMetadata(actionKey, action)])
    ),
    presets: (definition.presets ?? []).map((preset: any) => ({
      name: preset.name,
      type: preset.type,
      partnerAction: preset.partnerAction,
      subscribe: preset.subscribe,
      mapping: preset.mapping ?? {},
      eventSlug: preset.eventSlug ?? null
    }))
  }
}

/**
 * The metadata.json of a destination, as its path and exact content, without writing anything. `entry` holds its
 * index.ts; `root` is the folder the file goes in and, without a slug, names it (a web package keeps index.ts in src/).
 * A cloud destination's file describes it as the manifest holds it: merged with the web package registered under its
 * id (its plugin), as the CLI writes it. A web package's own file describes the package alone, as the CLI also writes.
 */
export function metadataFile(
  entry: string,
  root = entry,
  given: LoadedDestination[] = []
): { path: string; content: string } {
  const loaded = loadDestination(entry)
  const merged =
    (loaded.mode as string) === 'device' ? { definition: loaded, problems: [] } : manifestDefinition(loaded, given)
  // The CLI's manifest throws on these, so it writes nothing.
  if (merged.problems.length > 0) throw new Error(merged.problems.map((problem) => problem.message).join('\n'))
  const definition = merged.definition
  // The CLI names a destination by its slug, else by its folder.
  const slug = definition.slug ?? path.basename(path.resolve(root))
  return {
    path: path.join(root, 'metadata.json'),
    content: JSON.stringify(destinationMetadata(slug, definition), null, 2) + '\n'
  }
}
