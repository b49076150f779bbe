import { parseFql } from '@segment/destination-subscriptions'
import type { InputField } from '@segment/actions-core'
import { settingsOf } from './load-destination'
import type { AnyDestinationDefinition } from './load-destination'

// The static checks of the actions CLI's `validate` and `validate-secret-fields` commands, for any destination
// definition. The monorepo fails CI on some of them (errors) and only prints the others (warnings); so does this
// package's `npm run validate`.

export type ProblemSeverity = 'error' | 'warning'

export interface DefinitionProblem {
  /** 'error' when the monorepo's own checks fail on it; 'warning' when they only report it. */
  severity: ProblemSeverity
  message: string
}

/** Why a subscription query does not parse, or undefined when it does. */
export function fqlError(query: unknown): string | undefined {
  if (typeof query !== 'string') return `expected a query string, got ${typeof query}`
  try {
    const parsed = parseFql(query)
    return 'error' in parsed ? parsed.error.message : undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

function presetProblems(definition: AnyDestinationDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = []
  for (const [index, preset] of (definition.presets ?? []).entries()) {
    const presetName = preset.name ?? `#${index + 1}`
    const action = definition.actions[preset.partnerAction]
    if (!action) {
      problems.push({
        severity: 'error',
        message: `The preset "${presetName}" references an action key that does not exist: "${preset.partnerAction}".`
      })
    }
    if (preset.type === 'automatic') {
      const error = fqlError(preset.subscribe)
      if (error) {
        problems.push({
          severity: 'error',
          message: `The preset "${presetName}" has an invalid \`subscribe\` query: ${error}`
        })
      }
    }
    if (!action) continue
    for (const fieldKey of Object.keys(preset.mapping ?? {})) {
      if (!(fieldKey in action.fields)) {
        problems.push({
          severity: 'error',
          message: `The preset "${presetName}" references a field "${fieldKey}" that the "${preset.partnerAction}" action does not define.`
        })
      }
    }
  }
  return problems
}

/** batch_keys lists the fields a batch is split by: at most three, all of them real fields, never itself. */
function batchKeysProblems(actionKey: string, field: InputField, fieldKeys: string[]): DefinitionProblem[] {
  const batchKeys = field.default
  if (!Array.isArray(batchKeys) || !batchKeys.every((key) => typeof key === 'string')) {
    // The monorepo's validator crashes on this, which fails its CI.
    return [
      {
        severity: 'error',
        message: `The action "${actionKey}" has a "batch_keys" field whose default is not a list of field keys.`
      }
    ]
  }
  const problems: DefinitionProblem[] = []
  if (batchKeys.length > 3) {
    problems.push({
      severity: 'warning',
      message: `The action "${actionKey}" has a "batch_keys" field that has more than 3 keys. Max allowed is 3.`
    })
  }
  const unknownKeys = batchKeys.filter((key) => !fieldKeys.includes(key))
  if (unknownKeys.length > 0) {
    problems.push({
      severity: 'warning',
      message: `The action "${actionKey}" has a "batch_keys" field that has unknown keys: ${unknownKeys.join(
        ', '
      )}. Allowed keys are: ${fieldKeys.join(', ')}.`
    })
  }
  if (batchKeys.includes('batch_keys')) {
    problems.push({
      severity: 'warning',
      message: `The action "${actionKey}" has a "batch_keys" field that includes itself. This is not allowed.`
    })
  }
  return problems
}

function actionProblems(definition: AnyDestinationDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = []
  if (Object.keys(definition.actions).length === 0) {
    problems.push({ severity: 'error', message: `The destination "${definition.name}" does not define any actions.` })
  }
  for (const [actionKey, action] of Object.entries(definition.actions)) {
    if (action.defaultSubscription) {
      const error = fqlError(action.defaultSubscription)
      if (error) {
        problems.push({
          severity: 'error',
          message: `The action "${actionKey}" has an invalid \`defaultSubscription\` query: ${error}`
        })
      }
    }
    if (!action.description) {
      problems.push({ severity: 'error', message: `The action "${actionKey}" is missing a description.` })
    }
    const fields: Record<string, InputField> = action.fields ?? {}
    for (const [fieldKey, field] of Object.entries(fields)) {
      if (!field.description) {
        problems.push({
          severity: 'warning',
          message: `The action "${actionKey}" is missing a description for the field "${fieldKey}".`
        })
      }
      if (fieldKey === 'batch_keys') problems.push(...batchKeysProblems(actionKey, field, Object.keys(fields)))
    }
  }
  return problems
}

function settingDefaultProblems(definition: AnyDestinationDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = []
  // Like the CLI, only cloud settings are checked: browser settings are typed by their own runtime.
  if (definition.mode !== 'cloud') return problems
  for (const [key, setting] of Object.entries(definition.authentication?.fields ?? {})) {
    const { type, default: defaultValue } = setting
    if ((type === 'boolean' || type === 'number') && defaultValue !== undefined && typeof defaultValue !== type) {
      problems.push({
        severity: 'warning',
        message: `The default value for setting "${key}" is of type "${typeof defaultValue}", but the type is set to "${type}".`
      })
    }
  }
  return problems
}

// The CLI's pattern: the word key, token, secret, password or code, standing alone or between non-alphanumerics.
const SECRET_WORD_PATTERN = /(^|[^A-Za-z0-9])(key|token|secret|password|code)($|[^A-Za-z0-9])/i
const SECRET_WORDS = ['key', 'token', 'secret', 'password', 'code']

/** Whether a setting key names a secret: as the CLI sees it, or as a camelCase word (`apiKey`, `clientSecret`). */
export function looksLikeSecret(settingKey: string): boolean {
  if (SECRET_WORD_PATTERN.test(settingKey)) return true
  const words = settingKey
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.toLowerCase())
  return words.some((word) => SECRET_WORDS.includes(word))
}

/** `validate-secret-fields`: a setting named like a credential must be a password field, so it is masked. */
function secretSettingProblems(definition: AnyDestinationDefinition): DefinitionProblem[] {
  return Object.entries(settingsOf(definition))
    .filter(([key, setting]) => looksLikeSecret(key) && setting.type !== 'password')
    .map(([key, setting]) => ({
      // The monorepo reports these in a pull-request comment rather than failing its CI.
      severity: 'warning' as const,
      message: `The setting "${key}" looks like a secret but has type "${setting.type}": make it \`type: 'password'\`.`
    }))
}

/** Every problem the monorepo's static checks would find in a destination definition. */
export function validateDefinition(definition: AnyDestinationDefinition): DefinitionProblem[] {
  return [
    ...presetProblems(definition),
    ...actionProblems(definition),
    ...settingDefaultProblems(definition),
    ...secretSettingProblems(definition)
  ]
}
