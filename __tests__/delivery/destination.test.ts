import nock from 'nock'
import { Destination, IntegrationError } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import definition from '../../src/destinations/woopra'
import { classifyFailure, deliverThroughDestination } from '../../src/delivery'
import { presetSubscriptions } from '../../src/delivery'

// deliverThroughDestination runs the real destination through onEvent with subscriptions; nock stands in for Woopra.

const settings = { project: 'example.com' }
const subscriptions = presetSubscriptions(definition)

const track: SegmentEvent = {
  type: 'track',
  event: 'Signed Up',
  userId: 'user-1',
  anonymousId: 'anon-1',
  messageId: 'm-1',
  timestamp: '2024-01-02T03:04:05.000Z',
  properties: { plan: 'pro' }
}

describe('deliverThroughDestination', () => {
  it('sends the event through its preset and reports the action; the responses list is emptied', async () => {
    const destination = new Destination(definition)
    const scope = nock('https://www.woopra.com')
      .get('/track/ce')
      .query({
        project: 'example.com',
        event: 'Signed Up',
        cookie: 'anon-1',
        cv_id: 'user-1',
        timestamp: '1704164645000',
        timeout: '60000',
        ce_plan: 'pro'
      })
      .reply(200, 'woopra.loaded();')
    await expect(deliverThroughDestination(destination, track, settings, subscriptions)).resolves.toEqual({
      outcome: 'delivered',
      actions: ['trackEvent']
    })
    expect(scope.isDone()).toBe(true)
    expect(destination.responses).toEqual([])
  })

  it('reports an event that no subscription matches as skipped, and sends nothing', async () => {
    const destination = new Destination(definition)
    const group = { type: 'group', groupId: 'g1', userId: 'user-1', messageId: 'm-2' } as SegmentEvent
    await expect(deliverThroughDestination(destination, group, settings, subscriptions)).resolves.toEqual({
      outcome: 'skipped',
      actions: []
    })
    await expect(deliverThroughDestination(destination, track, settings, [])).resolves.toEqual({
      outcome: 'skipped',
      actions: []
    })
    expect(nock.pendingMocks()).toEqual([])
  })

  it("throws the action's error with Woopra's Retry-After for classifyFailure", async () => {
    const destination = new Destination(definition)
    nock('https://www.woopra.com').get('/track/ce').query(true).reply(429, 'slow down', { 'Retry-After': '30' })
    const error: unknown = await deliverThroughDestination(destination, track, settings, subscriptions).catch((e) => e)
    expect(classifyFailure(error)).toMatchObject({ status: 429, retryable: true, retryAfterMs: 30_000 })
    expect(destination.responses).toEqual([])
  })

  it('fails an unusable subscription instead of reporting the event delivered', async () => {
    const destination = new Destination(definition)
    const broken = [{ ...subscriptions[0], subscribe: 'type = "track" or (' }]
    const error: unknown = await deliverThroughDestination(destination, track, settings, broken).catch((e) => e)
    expect(error).toBeInstanceOf(IntegrationError)
    expect(classifyFailure(error)).toMatchObject({ errorClass: 'IntegrationError', status: 400, retryable: false })
    expect((error as Error).message).toMatch(/^A subscription is unusable: Invalid subscription/)
  })
})

describe('presetSubscriptions', () => {
  it("makes subscriptions of the cloud actions' automatic presets only: the cookie plugin's preset runs in the browser", () => {
    expect(definition.presets?.map((preset) => preset.partnerAction)).toContain('woopraCookie')
    expect(subscriptions.map(({ name, partnerAction }) => [name, partnerAction])).toEqual([
      ['Track Calls', 'trackEvent'],
      ['Identify Calls', 'identifyUser'],
      ['Page Calls', 'trackPageView']
    ])
  })
})
