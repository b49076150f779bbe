import type { JSONValue } from '@segment/actions-core'
import { Analytics, Context } from '@segment/analytics-next'
import type { Plugin } from '@segment/analytics-next'
import woopraPlugins, { destination } from './index'

// Test helpers, kept out of __tests__ so that Jest does not run them as a test file.

/** The cookie plugin's subscription as the automatic preset sets it up. */
export const cookieSubscription = {
  partnerAction: 'woopraCookie',
  name: 'Woopra Cookie',
  enabled: true,
  subscribe: destination.actions.woopraCookie.defaultSubscription as string,
  mapping: {}
}

/**
 * The plugins the factory builds. It types its settings as JSON. It always returns a list, but runtime 1.6.0 types the
 * result as one plugin or several: flat() gives a list under both that version and the monorepo's own, with no cast.
 */
export async function pluginsFor(settings: Record<string, unknown>): Promise<Plugin[]> {
  return [await woopraPlugins(settings as unknown as JSONValue)].flat()
}

/** The cookie plugin, loaded, with these settings. */
export async function cookiePlugin(settings: Record<string, unknown> = {}): Promise<Plugin> {
  const [plugin] = await pluginsFor({ ...settings, subscriptions: [cookieSubscription] })
  await plugin.load(Context.system(), new Analytics({ writeKey: 'w_123' }))
  return plugin
}
