import { readFileSync } from 'fs'
import path from 'path'
import type { DestinationDefinition, Subscription } from '@segment/actions-core'
import { parseFql } from '@segment/destination-subscriptions'
import { checkFql, FqlError } from './fql'
import { didYouMean } from '../cli/nearest'

// Subscriptions and settings, checked before the first event: a subscription that cannot run would dead-letter
// every event it takes, and the checkpoint would then hold them all as settled.

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A JSON file given by a flag; the message names the flag and the path as resolved. */
export function readJson(flag: string, file: string): unknown {
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : code ?? (error as Error).message // prettier-ignore
    throw new UsageError(`${flag}: cannot read ${shownPath(file)}: ${why}.`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${flag}: ${shownPath(file)} is not JSON (${(error as Error).message}).`)
  }
}

/** A path as typed, and where it resolves to when that is not the same text. */
export function shownPath(file: string): string {
  const resolved = path.resolve(file)
  return resolved === file ? file : `${file} (${resolved})`
}

/** The settings of a --settings file: a JSON object of the destination's settings, nothing unknown. */
export function readSettings<S>(file: string, definition: DestinationDefinition<S>): Record<string, unknown> {
  const json = readJson('--settings', file)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`--settings: ${shownPath(file)} must hold a JSON object of settings, e.g. {"project":"example.com"}.`) // prettier-ignore
  }
  const known = Object.keys(definition.authentication?.fields ?? {})
  for (const key of Object.keys(json)) {
    if (!known.includes(key)) {
      throw new UsageError(`--settings: ${shownPath(file)} has an unknown setting "${key}".${didYouMean(key, known)} The settings are: ${known.join(', ')}.`) // prettier-ignore
    }
  }
  return json as Record<string, unknown>
}

/** The subscriptions of a file: an array, or an object with a `subscriptions` array; each checked here. */
export function readSubscriptions<S>(file: string, definition: DestinationDefinition<S>): Subscription[] {
  const json = readJson('--subscriptions', file)
  const list = Array.isArray(json) ? json : (json as { subscriptions?: unknown } | null)?.subscriptions
  if (!Array.isArray(list) || list.length === 0) {
    throw new UsageError('--subscriptions: the file must hold a non-empty JSON array of subscriptions.')
  }
  const subscriptions: Subscription[] = []
  list.forEach((entry: unknown, index) => {
    const subscription = checkSubscription(entry, definition, `--subscriptions: subscription ${index + 1}`)
    if (subscription) subscriptions.push(subscription)
  })
  if (subscriptions.length === 0) throw new UsageError('--subscriptions: every subscription is disabled.')
  return subscriptions
}

/** One subscription as it will run (undefined when disabled), or a UsageError saying what is wrong with it. */
export function checkSubscription<S>(
  entry: unknown,
  definition: DestinationDefinition<S>,
  where: string
): Subscription | undefined {
  if (typeof entry !== 'object' || entry === null) throw new UsageError(`${where} is not an object.`)
  const { subscribe, partnerAction, mapping, name, enabled } = entry as Record<string, unknown>
  if (typeof subscribe !== 'string' || subscribe.trim() === '') throw new UsageError(`${where} has no "subscribe".`)
  checkSubscribe(subscribe, where)
  const actions = Object.keys(definition.actions)
  if (typeof partnerAction !== 'string' || !(partnerAction in definition.actions)) {
    const typed = typeof partnerAction === 'string' ? didYouMean(partnerAction, actions) : ''
    throw new UsageError(`${where}: "partnerAction" must be one of ${actions.join(', ')}.${typed}`)
  }
  if (mapping !== undefined && (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping))) {
    throw new UsageError(`${where}: "mapping" must be an object.`)
  }
  checkRequiredFields((mapping ?? {}) as Record<string, unknown>, definition, partnerAction, where)
  if (enabled === false) return undefined
  return { ...(typeof name === 'string' ? { name } : {}), subscribe, partnerAction, mapping: (mapping ?? {}) as Subscription['mapping'] } // prettier-ignore
}

function checkSubscribe(subscribe: string, where: string) {
  try {
    checkFql(subscribe)
  } catch (error) {
    if (!(error instanceof FqlError)) throw error
    throw new UsageError(`${where}: "subscribe" is not valid FQL: ${error.message} (in: ${subscribe}).`)
  }
  // What passes the strict check must also parse as the runtime parses it.
  const parsed = parseFql(subscribe)
  if ('error' in parsed && parsed.error) throw new UsageError(`${where}: "subscribe" is not valid FQL (in: ${subscribe}).`) // prettier-ignore
}

/** Every required field of the action is in the mapping: else each event would fail the same way. */
function checkRequiredFields<S>(
  mapping: Record<string, unknown>,
  definition: DestinationDefinition<S>,
  partnerAction: string,
  where: string
) {
  const action = definition.actions[partnerAction]
  const fields = Object.keys(action.fields)
  for (const [key, field] of Object.entries(action.fields)) {
    if (field.required !== true) continue
    const value = mapping[key]
    if (value !== undefined && value !== null && value !== '') continue
    const unknown = Object.keys(mapping).filter((name) => !fields.includes(name))
    const typo = unknown.find((name) => didYouMean(name, [key]) !== '')
    throw new UsageError(`${where} (${partnerAction}): the mapping has no "${key}", a required field of ${action.title}${typo ? ` ("${typo}" is not a field: a misspelling of "${key}"?)` : ''}; every event would fail.`) // prettier-ignore
  }
}
