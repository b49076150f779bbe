import { actionMetadata, destinationMetadata, fieldMetadata, normalizeChoices } from '../src/tools/generate-metadata'
import type { AnyDestinationDefinition } from '../src/tools/load-destination'

// The metadata generator against the CLI's conventions, on definitions the Woopra destination does not exercise.

const noop = () => undefined

describe('normalizeChoices', () => {
  it('turns plain values into {label, value} and keeps labelled choices', () => {
    expect(normalizeChoices(['eu', 2, { label: 'United States', value: 'us' }])).toEqual([
      { label: 'eu', value: 'eu' },
      { label: '2', value: 2 },
      { label: 'United States', value: 'us' }
    ])
  })

  it('writes no choices as null', () => {
    expect(normalizeChoices(undefined)).toBeNull()
    expect(normalizeChoices([])).toBeNull()
  })
})

describe('fieldMetadata', () => {
  it('writes every key, in order, with null or false for what the field leaves out', () => {
    const metadata = fieldMetadata({ label: 'Event', description: 'The event.', type: 'string' })
    expect(Object.entries(metadata)).toEqual([
      ['label', 'Event'],
      ['description', 'The event.'],
      ['type', 'string'],
      ['required', false],
      ['multiple', false],
      ['allowNull', false],
      ['dynamic', false],
      ['default', null],
      ['choices', null],
      ['placeholder', null],
      ['properties', null],
      ['category', null],
      ['depends_on', null],
      ['readOnly', null],
      ['hidden', null],
      ['minimum', null],
      ['maximum', null],
      ['defaultObjectUI', null],
      ['disabledInputMethods', null],
      ['displayMode', null],
      ['format', null],
      ['additionalProperties', false]
    ])
  })

  it('keeps conditional requirements, marks function dynamics as dynamic, names unsafe_hidden hidden', () => {
    const required = { conditions: [{ fieldKey: 'mode', operator: 'is', value: 'a' }] }
    const metadata = fieldMetadata({
      label: 'User',
      type: 'object',
      required,
      dynamic: noop,
      unsafe_hidden: true,
      properties: { id: { label: 'ID', type: 'string', required: true } }
    })
    expect(metadata).toMatchObject({ required, dynamic: true, hidden: true, description: undefined })
    expect(metadata.properties?.id).toMatchObject({ label: 'ID', required: true, properties: null })
  })
})

describe('actionMetadata', () => {
  it('describes batching, sync modes, hooks and declarative dynamic fields', () => {
    const metadata = actionMetadata('sync', {
      description: 'Syncs.',
      performBatch: noop,
      syncMode: { default: 'add', description: 'How.', choices: [{ label: 'Add', value: 'add' }] },
      hooks: { onMappingSave: { label: 'Create', description: 'Creates.', inputFields: {} }, unknownHook: {} },
      dynamicFields: { a: noop, b: { __keys__: noop, other: noop }, c: { other: noop } },
      fields: {}
    })
    expect(metadata).toEqual({
      title: 'sync',
      description: 'Syncs.',
      platform: 'cloud',
      defaultSubscription: null,
      hidden: false,
      hasPerformBatch: true,
      syncMode: { default: 'add', label: 'Sync Mode', description: 'How.', choices: [{ value: 'add', label: 'Add' }] },
      hooks: { onMappingSave: { label: 'Create', description: 'Creates.', inputFields: {}, outputFields: {} } },
      dynamicFields: { b: ['__keys__'] },
      fields: {}
    })
  })
})

describe('destinationMetadata', () => {
  const base = { name: 'Example', mode: 'cloud', actions: {} } as unknown as AnyDestinationDefinition

  it('orders the top-level keys as the CLI does and drops an absent description from the JSON', () => {
    const metadata = destinationMetadata('actions-example', base)
    expect(Object.keys(metadata)).toEqual([
      'slug',
      'name',
      'mode',
      'description',
      'authentication',
      'audienceConfig',
      'actions',
      'presets'
    ])
    expect(JSON.parse(JSON.stringify(metadata))).toEqual({
      slug: 'actions-example',
      name: 'Example',
      mode: 'cloud',
      authentication: null,
      audienceConfig: null,
      actions: {},
      presets: []
    })
  })

  it('reads browser settings as a custom authentication and describes audiences', () => {
    const metadata = destinationMetadata('example', {
      ...base,
      settings: { appId: { label: 'App', description: 'The app.', type: 'string', required: true } },
      audienceFields: { list: { label: 'List', description: 'The list.', type: 'string' } },
      audienceConfig: { mode: { type: 'synced' }, createAudience: noop, getAudience: noop }
    } as unknown as AnyDestinationDefinition)
    expect(metadata.authentication).toEqual({
      scheme: 'custom',
      fields: {
        appId: {
          label: 'App',
          description: 'The app.',
          type: 'string',
          required: true,
          multiple: false,
          choices: null,
          default: null,
          depends_on: null
        }
      }
    })
    expect(metadata.audienceConfig).toMatchObject({
      mode: { type: 'synced', full_audience_sync: false },
      supportsAudienceFunctions: true
    })
  })

  it('passes presets through with an empty mapping and a null event slug by default', () => {
    const metadata = destinationMetadata('example', {
      ...base,
      presets: [{ name: 'All', subscribe: 'type = "track"', partnerAction: 'send', type: 'automatic' }]
    } as unknown as AnyDestinationDefinition)
    expect(metadata.presets).toEqual([
      {
        name: 'All',
        type: 'automatic',
        partnerAction: 'send',
        subscribe: 'type = "track"',
        mapping: {},
        eventSlug: null
      }
    ])
  })

  it('needs a slug', () => {
    expect(() => destinationMetadata('', base)).toThrow('metadata.json generation requires a slug')
  })
})
