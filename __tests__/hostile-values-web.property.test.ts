/**
 * @jest-environment jsdom
 */
/**
 * The browser side of hostile-values.property.test.ts: no JSON value at any path a default mapping of Woopra Web
 * (Actions) or of the Woopra cookie plugin reads makes an action throw. Events go through the real plugins (mapping,
 * then the action) with a recording tracker; the browser runtime has no payload validation, so nothing at all may be
 * thrown.
 */
import fc from 'fast-check'
import { Context } from '@segment/analytics-next'
import type { Plugin } from '@segment/analytics-next'
import { defaultValues } from '@segment/actions-core'
import type { Subscription } from '@segment/browser-destination-runtime/types'
import { destination as web } from '../src/browser-destinations/woopra-web/src'
import { destination as cookiePlugin } from '../src/browser-destinations/woopra-plugins/src'
import woopraPlugins from '../src/browser-destinations/woopra-plugins/src'
import { pluginsWithTracker, resetPage } from '../src/browser-destinations/woopra-web/src/test-utilities'
import {
  HOSTILE_KEYS,
  hostileAt,
  mappedPaths,
  objectOf,
  subscribedType,
  withValueAt
} from './__helpers__/crafted-values'

const PROPERTY_TIMEOUT_MS = 120_000

type Definition = typeof web | typeof cookiePlugin

/** Each action of a browser package with the subscription Segment makes of its default mapping. */
function subscriptionsOf(definition: Definition) {
  return Object.entries(definition.actions).map(([partnerAction, action]) => ({
    partnerAction,
    type: action.defaultSubscription?.includes('type = "track" or') ? ('track' as const) : undefined,
    subscription: {
      partnerAction,
      name: action.title,
      enabled: true,
      subscribe: action.defaultSubscription ?? '',
      mapping: defaultValues(action.fields)
    } as Subscription
  }))
}

const actions = [
  ...subscriptionsOf(web).map((entry) => ({ ...entry, pkg: 'web' as const })),
  ...subscriptionsOf(cookiePlugin).map((entry) => ({ ...entry, pkg: 'plugin' as const }))
].map((entry) => ({
  name: `${entry.pkg} ${entry.partnerAction}`,
  pkg: entry.pkg,
  // The cookie plugin subscribes to every type; a track event stands for them all.
  type: entry.type ?? subscribedType(entry.subscription.subscribe),
  subscription: entry.subscription,
  paths: mappedPaths(entry.subscription.mapping)
}))

let plugins: Plugin[] = []

beforeAll(async () => {
  resetPage()
  document.cookie = 'wooTracker=Zx81Qa7Lm0Pw; path=/'
  const { plugins: webPlugins } = await pluginsWithTracker(
    actions.filter(({ pkg }) => pkg === 'web').map(({ subscription }) => subscription)
  )
  const cookiePlugins = (await woopraPlugins({
    subscriptions: actions.filter(({ pkg }) => pkg === 'plugin').map(({ subscription }) => subscription)
  } as never)) as unknown as Plugin[]
  plugins = [...webPlugins, ...cookiePlugins]
})

function baseEvent(type: 'track' | 'identify' | 'page'): Record<string, unknown> {
  return { type, event: type === 'track' ? 'Signed Up' : undefined, anonymousId: 'anon-1', properties: {}, context: {} }
}

/** Runs the event through the plugins of every action; returns what was thrown, if anything. */
async function outcome(event: Record<string, unknown>): Promise<unknown> {
  try {
    for (const plugin of plugins) {
      const type = event.type as 'track' | 'identify' | 'page'
      await plugin[type]?.(new Context(event as never))
    }
    return undefined
  } catch (error) {
    return error
  }
}

describe('hostile JSON values at the browser packages’ mapped paths', () => {
  it('finds the paths of every action', () => {
    expect(actions.map(({ name }) => name).sort()).toEqual([
      'plugin woopraCookie',
      'web identifyUser',
      'web trackEvent',
      'web trackPageView'
    ])
    const page = actions.find(({ name }) => name === 'web trackPageView')
    expect(page?.paths).toEqual(expect.arrayContaining(['properties.url', 'context.page.url', 'name', 'category']))
  })

  const cases = actions.flatMap(({ name, type, paths }) =>
    paths.flatMap((path) => HOSTILE_KEYS.map((key) => [name, type, path, key] as const))
  )
  it.each(cases)('%s (a %s event), at %s an object with the key %s: throws nothing', async (_, type, path, key) => {
    expect(await outcome(withValueAt(baseEvent(type), path, objectOf([[key, {}]])))).toBeUndefined()
  })

  it(
    'any mix of hostile values at any mapped paths throws nothing',
    async () => {
      const withPaths = actions.filter(({ paths }) => paths.length > 0)
      const property = fc.asyncProperty(
        fc
          .constantFrom(...withPaths.map(({ name }) => name))
          .chain((name) => fc.tuple(fc.constant(name), hostileAt(actionNamed(name).paths))),
        async ([name, values]) => {
          const event = values.reduce(
            (built, [path, value]) => withValueAt(built, path, value),
            baseEvent(actionNamed(name).type)
          )
          expect(await outcome(event)).toBeUndefined()
        }
      )
      await fc.assert(property, { numRuns: 300 })
    },
    PROPERTY_TIMEOUT_MS
  )
})

function actionNamed(name: string) {
  const action = actions.find((candidate) => candidate.name === name)
  if (!action) throw new Error(`no action ${name}`)
  return action
}
