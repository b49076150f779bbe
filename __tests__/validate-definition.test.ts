import type { GlobalSetting, InputField, Preset } from '@segment/actions-core'
import { fqlError, looksLikeSecret, validateDefinition } from '../src/tools/validate-definition'
import type { AnyDestinationDefinition } from '../src/tools/load-destination'

// Each check of the validator, fed a definition broken in exactly one way.

/** A definition that passes every check, with handles on the parts each test breaks. */
function validDestination() {
  const settings: Record<string, GlobalSetting> = {
    apiKey: { label: 'API Key', description: 'The key.', type: 'password', required: true },
    region: { label: 'Region', description: 'The region.', type: 'string', default: 'us' },
    verbose: { label: 'Verbose', description: 'Log more.', type: 'boolean', default: false },
    retries: { label: 'Retries', description: 'How many.', type: 'number', default: 3 }
  }
  const preset: Preset = {
    name: 'Track Calls',
    subscribe: 'type = "track"',
    partnerAction: 'send',
    mapping: { event: { '@path': '$.event' } },
    type: 'automatic'
  }
  const batchKeys: InputField = {
    label: 'Batch Keys',
    description: 'Keys a batch is split by.',
    type: 'string',
    multiple: true,
    unsafe_hidden: true,
    required: false,
    default: ['user']
  }
  const fields: Record<string, InputField> = {
    event: { label: 'Event', description: 'The event name.', type: 'string' },
    user: { label: 'User', description: 'The user.', type: 'string' },
    batch_keys: batchKeys
  }
  const send = {
    title: 'Send',
    description: 'Sends an event.',
    defaultSubscription: 'type = "track" or event = "Order Completed"',
    fields,
    perform: () => undefined
  }
  const definition: AnyDestinationDefinition = {
    name: 'Example (Actions)',
    mode: 'cloud',
    authentication: { scheme: 'custom', fields: settings },
    presets: [preset],
    actions: { send }
  }
  return { definition, settings, preset, send, fields, batchKeys }
}

const messages = (definition: AnyDestinationDefinition) => validateDefinition(definition).map((p) => p.message)

describe('validateDefinition', () => {
  it('accepts a valid definition', () => {
    expect(validateDefinition(validDestination().definition)).toEqual([])
  })

  it('rejects a destination without actions', () => {
    const definition = { ...validDestination().definition, actions: {}, presets: [] }
    expect(validateDefinition(definition)).toEqual([
      { severity: 'error', message: 'The destination "Example (Actions)" does not define any actions.' }
    ])
  })

  it('rejects a preset pointing at an action that does not exist', () => {
    const { definition, preset } = validDestination()
    preset.partnerAction = 'missing'
    expect(messages(definition)).toEqual([
      'The preset "Track Calls" references an action key that does not exist: "missing".'
    ])
  })

  it('rejects a preset mapping a field the action does not define', () => {
    const { definition, preset } = validDestination()
    preset.mapping = { event: 'x', nope: 'y' }
    expect(messages(definition)).toEqual([
      'The preset "Track Calls" references a field "nope" that the "send" action does not define.'
    ])
  })

  it('rejects an automatic preset whose subscription does not parse', () => {
    const { definition, preset } = validDestination()
    if (preset.type === 'automatic') preset.subscribe = 'foo'
    const problems = validateDefinition(definition)
    expect(problems).toHaveLength(1)
    expect(problems[0].severity).toBe('error')
    expect(problems[0].message).toMatch(/^The preset "Track Calls" has an invalid `subscribe` query: .+/)
  })

  it('rejects an action whose default subscription does not parse', () => {
    const { definition, send } = validDestination()
    send.defaultSubscription = '(type = "track"'
    expect(messages(definition)).toEqual([
      expect.stringMatching(/^The action "send" has an invalid `defaultSubscription` query: .+/)
    ])
  })

  it('rejects an action without a description', () => {
    const { definition, send } = validDestination()
    send.description = ''
    expect(validateDefinition(definition)).toEqual([
      { severity: 'error', message: 'The action "send" is missing a description.' }
    ])
  })

  it('reports a field without a description (a warning in the monorepo)', () => {
    const { definition, fields } = validDestination()
    fields.user = { label: 'User', type: 'string' } as InputField
    expect(validateDefinition(definition)).toEqual([
      { severity: 'warning', message: 'The action "send" is missing a description for the field "user".' }
    ])
  })

  it('reports boolean and number settings whose default has another type', () => {
    const { definition, settings } = validDestination()
    settings.verbose.default = 'false'
    settings.retries.default = '3'
    expect(messages(definition)).toEqual([
      'The default value for setting "verbose" is of type "string", but the type is set to "boolean".',
      'The default value for setting "retries" is of type "string", but the type is set to "number".'
    ])
  })

  describe('batch_keys', () => {
    const withBatchKeys = (keys: unknown) => {
      const { definition, batchKeys } = validDestination()
      batchKeys.default = keys as string[]
      return messages(definition)
    }

    it('allows at most three keys', () => {
      const { definition, fields, batchKeys } = validDestination()
      fields.a = { label: 'A', description: 'a', type: 'string' }
      fields.b = { label: 'B', description: 'b', type: 'string' }
      batchKeys.default = ['user', 'event', 'a', 'b']
      expect(messages(definition)).toEqual([
        'The action "send" has a "batch_keys" field that has more than 3 keys. Max allowed is 3.'
      ])
    })

    it('allows only fields of the action', () => {
      expect(withBatchKeys(['user', 'nope'])).toEqual([
        'The action "send" has a "batch_keys" field that has unknown keys: nope. Allowed keys are: event, user, batch_keys.'
      ])
    })

    it('does not allow batch_keys itself', () => {
      expect(withBatchKeys(['batch_keys'])).toEqual([
        'The action "send" has a "batch_keys" field that includes itself. This is not allowed.'
      ])
    })

    it('needs a list of keys as its default', () => {
      expect(withBatchKeys(undefined)).toEqual([
        'The action "send" has a "batch_keys" field whose default is not a list of field keys.'
      ])
    })
  })

  it('reports settings named like secrets that are not password fields', () => {
    const { definition, settings } = validDestination()
    settings.apiKey.type = 'string'
    settings.access_token = { label: 'Token', description: 'A token.', type: 'string' }
    expect(validateDefinition(definition)).toEqual([
      {
        severity: 'warning',
        message: 'The setting "apiKey" looks like a secret but has type "string": make it `type: \'password\'`.'
      },
      {
        severity: 'warning',
        message: 'The setting "access_token" looks like a secret but has type "string": make it `type: \'password\'`.'
      }
    ])
  })

  it('checks browser settings for secrets too', () => {
    const { definition } = validDestination()
    const browserDefinition = {
      ...definition,
      settings: { writeKey: { label: 'W', description: 'w', type: 'string' as const } }
    }
    expect(messages(browserDefinition)).toEqual([
      'The setting "writeKey" looks like a secret but has type "string": make it `type: \'password\'`.'
    ])
  })
})

describe('looksLikeSecret', () => {
  it.each([
    'key',
    'api_key',
    'API-KEY',
    'apiKey',
    'accessToken',
    'client_secret',
    'password',
    'auth code',
    'secretCode'
  ])('%s names a secret', (key) => expect(looksLikeSecret(key)).toBe(true))

  it.each(['project', 'keyboard', 'monkey', 'tokens_per_batch', 'APIKEY', 'encoding', 'passwordless'])(
    '%s does not',
    (key) => expect(looksLikeSecret(key)).toBe(false)
  )
})

describe('fqlError', () => {
  it('accepts valid FQL', () => {
    expect(fqlError('type = "track" and event = "Signed Up"')).toBeUndefined()
  })

  it('explains invalid FQL', () => {
    expect(fqlError('(type = "track"')).toEqual(expect.any(String))
  })
})
