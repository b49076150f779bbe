import path from 'path'
import type { DestinationDefinition, GlobalSetting, InputField } from '@segment/actions-core'

/**
 * A destination definition as the actions CLI reads it: a cloud definition, plus the parts that browser and audience
 * definitions add (`settings`, `audienceFields`, `audienceConfig`), so that the tools work for any destination.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any destination, whatever its settings type
export type AnyDestinationDefinition = DestinationDefinition<any> & {
  settings?: Record<string, GlobalSetting>
  audienceFields?: Record<string, InputField | GlobalSetting>
  audienceConfig?: { mode?: { type?: string; full_audience_sync?: boolean }; [key: string]: unknown }
}

/** Loads a destination entry point (a folder or its index.ts) the way the actions CLI does. */
export function loadDestination(entry: string): AnyDestinationDefinition {
  const resolved = require.resolve(path.resolve(entry))
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const exported = require(resolved)
  // The CLI takes a `destination` export (browser destinations) before the default export (cloud destinations).
  const definition = exported.destination ?? exported.default
  if (!definition?.name || typeof definition.actions !== 'object') {
    throw new Error(`${entry} does not export a destination definition (with a name and actions).`)
  }
  return definition as AnyDestinationDefinition
}

/** The settings of a destination, as the CLI merges them: browser settings, then authentication fields. */
export function settingsOf(definition: AnyDestinationDefinition): Record<string, GlobalSetting> {
  return { ...definition.settings, ...definition.authentication?.fields }
}
