/**
 * No JSON value at any path a default mapping of Woopra (Actions) reads makes an event throw anything but the
 * framework's error classes. The paths come from the presets' mappings themselves, so a field added later is covered
 * without touching this test. Events go through `onEvent` with the presets as subscriptions, as Segment runs them.
 */
import fc from 'fast-check'
import nock from 'nock'
import {
  APIError,
  createTestEvent,
  createTestIntegration,
  HTTPError,
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import Destination from '../src/destinations/woopra'
import {
  HOSTILE_KEYS,
  hostileAt,
  mappedPaths,
  objectOf,
  subscribedType,
  withValueAt
} from './__helpers__/crafted-values'

const testDestination = createTestIntegration(Destination)
const PROPERTY_TIMEOUT_MS = 120_000

// The cookie plugin's preset names an action of the web package, which the manifest merges in: not run here.
const presets = (Destination.presets ?? []).flatMap((preset) =>
  preset.type === 'automatic' && preset.partnerAction in Destination.actions
    ? [
        {
          name: preset.name ?? preset.partnerAction,
          type: subscribedType(preset.subscribe),
          subscription: { partnerAction: preset.partnerAction, subscribe: preset.subscribe, mapping: preset.mapping },
          paths: mappedPaths(preset.mapping)
        }
      ]
    : []
)

function presetNamed(name: string) {
  const preset = presets.find((candidate) => candidate.name === name)
  if (!preset) throw new Error(`no preset ${name}`)
  return preset
}

/** An error of actions-core's (the request client's and the payload validation's included). */
function isFrameworkError(error: unknown): boolean {
  const classes = [
    IntegrationError,
    PayloadValidationError,
    InvalidAuthenticationError,
    RetryableError,
    APIError,
    HTTPError
  ]
  return (
    classes.some((errorClass) => error instanceof errorClass) ||
    (error instanceof Error && error.name === 'AggregateAjvError')
  )
}

function baseEvent(type: 'track' | 'identify' | 'page'): Record<string, unknown> {
  return createTestEvent({
    type,
    event: type === 'track' ? 'Signed Up' : undefined,
    anonymousId: 'anon-1',
    timestamp: '2024-05-01T10:00:00.000Z'
  }) as unknown as Record<string, unknown>
}

/** Runs the event through every preset; returns what was thrown, if anything. */
async function outcome(event: Record<string, unknown>): Promise<unknown> {
  try {
    await testDestination.onEvent(
      event as unknown as SegmentEvent,
      {
        project: 'example.com',
        subscriptions: presets.map(({ subscription }) => subscription)
      } as never
    )
    return undefined
  } catch (error) {
    return error
  }
}

/** The query of each GET request Woopra received. */
let sent: URLSearchParams[] = []

beforeEach(() => {
  sent = []
  nock('https://www.woopra.com')
    .persist()
    .get(/.*/)
    .reply((uri) => {
      sent.push(new URL(uri, 'https://www.woopra.com').searchParams)
      return [200, '']
    })
    .post(/.*/)
    .reply(200, '')
})

describe('hostile JSON values at mapped paths', () => {
  it('finds the paths in every preset (the cookie is read through its length too)', () => {
    expect(presets.map(({ name }) => name).sort()).toEqual(['Identify Calls', 'Page Calls', 'Track Calls'])
    const page = presets.find(({ type }) => type === 'page')
    expect(page?.paths).toEqual(
      expect.arrayContaining(['properties.url', 'context.page.url', 'integrations.Woopra.cookie'])
    )
  })

  const cases = presets.flatMap(({ name, type, paths }) =>
    paths.flatMap((path) => HOSTILE_KEYS.map((key) => [name, type, path, key] as const))
  )
  it.each(cases)(
    '%s (a %s event), at %s an object with the key %s: throws nothing or a framework error',
    async (_, type, path, key) => {
      const error = await outcome(withValueAt(baseEvent(type), path, objectOf([[key, {}]])))
      if (error !== undefined && !isFrameworkError(error)) throw error
    }
  )

  it(
    'any mix of hostile values at any mapped paths throws nothing or a framework error',
    async () => {
      const property = fc.asyncProperty(
        fc
          .constantFrom(...presets.map(({ name }) => name))
          .chain((name) => fc.tuple(fc.constant(name), hostileAt(presetNamed(name).paths))),
        async ([name, values]) => {
          const preset = presetNamed(name)
          const event = values.reduce((built, [path, value]) => withValueAt(built, path, value), baseEvent(preset.type))
          const error = await outcome(event)
          if (error !== undefined && !isFrameworkError(error)) throw error
        }
      )
      await fc.assert(property, { numRuns: 300 })
    },
    PROPERTY_TIMEOUT_MS
  )
})

describe('what a hostile value reads instead', () => {
  it('a page URL that is an object reads the page context, as an empty one does', async () => {
    const event = withValueAt(
      withValueAt(baseEvent('page'), 'context.page.url', 'https://shop.example.com/a?b=1'),
      'properties.url',
      objectOf([['toString', {}]])
    )
    expect(await outcome(event)).toBeUndefined()
    expect(sent).toHaveLength(1)
    expect(sent[0].get('ce_url')).toBe('/a') // the path: the query is ignored by default
    expect(sent[0].get('ce_uri')).toBe('https://shop.example.com/a?b=1')
  })
})
