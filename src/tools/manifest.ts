import path from 'path'
import { allDestinations } from './destination-dir'
import type { DestinationFolder } from './destination-dir'
import { loadDestination } from './load-destination'
import type { AnyDestinationDefinition } from './load-destination'
import type { DefinitionProblem } from './validate-definition'

// The monorepo's manifest holds one definition per metadata id. A web package registered under a cloud destination's
// id (as amplitude-plugins is under Amplitude's, and woopra-plugins is meant to be under Woopra (Actions)') is merged
// into the cloud definition by the actions CLI (lib/destinations.ts, getManifest): `validate` checks the merged
// definition and `generate:metadata-payload` writes it into the cloud folder's metadata.json. This module models that.
// Here a web package counts as registered under the cloud id when its definition bears the cloud destination's name,
// which is how this package marks the plugins that belong to a cloud destination.

export interface LoadedDestination {
  folder: DestinationFolder
  definition: AnyDestinationDefinition
}

/**
 * The web package registered under the cloud destination's id: among the web packages given (the last one wins, as a
 * second `register` of an id replaces the first), else among this package's own, the one named like it.
 */
export function registeredPlugin(
  cloud: AnyDestinationDefinition,
  given: LoadedDestination[] = []
): LoadedDestination | undefined {
  const namedLikeCloud = (candidate: LoadedDestination) =>
    candidate.folder.kind === 'web' && candidate.definition.name === cloud.name
  const fromGiven = given.filter(namedLikeCloud).pop()
  if (fromGiven) return fromGiven
  return allDestinations()
    .filter((folder) => folder.kind === 'web')
    .map((folder) => ({ folder, definition: loadDestination(folder.entry) }))
    .find(namedLikeCloud)
}

/**
 * A web definition added to the cloud definition registered under the same id, as the CLI's manifest merges them: the
 * web actions join the cloud actions (after them; a key in both is an error), and once the web package has an action,
 * its settings join the cloud's authentication fields (after them; a key in both takes the web setting in place).
 * The cloud definition itself is left as it was.
 */
export function mergeWebIntoCloud(
  cloud: AnyDestinationDefinition,
  web: AnyDestinationDefinition
): { definition: AnyDestinationDefinition; problems: DefinitionProblem[] } {
  const problems: DefinitionProblem[] = []
  const actions = { ...cloud.actions }
  const webActions = Object.entries(web.actions)
  for (const [actionKey, action] of webActions) {
    if (actionKey in actions) {
      problems.push({
        severity: 'error',
        message: `Could not merge browser + cloud actions because there is already an action with the same key "${actionKey}".`
      })
      continue
    }
    actions[actionKey] = action
  }
  const definition: AnyDestinationDefinition = { ...cloud, actions }
  if (cloud.authentication && webActions.length > 0) {
    definition.authentication = {
      ...cloud.authentication,
      fields: { ...cloud.authentication.fields, ...web.settings }
    }
  }
  return { definition, problems }
}

/** The definition the manifest holds for a cloud destination: merged with the web package registered under its id. */
export function manifestDefinition(
  cloud: AnyDestinationDefinition,
  given: LoadedDestination[] = []
): { definition: AnyDestinationDefinition; plugin?: LoadedDestination; problems: DefinitionProblem[] } {
  const plugin = registeredPlugin(cloud, given)
  if (!plugin) return { definition: cloud, problems: [] }
  return { ...mergeWebIntoCloud(cloud, plugin.definition), plugin }
}

/** A folder as the tools name it: relative to where the command was typed. */
export function shownFolder(folder: DestinationFolder): string {
  return path.relative(process.cwd(), folder.root) || '.'
}
