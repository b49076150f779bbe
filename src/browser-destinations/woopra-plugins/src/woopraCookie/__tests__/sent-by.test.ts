/**
 * @jest-environment jsdom
 */
import { Context } from '@segment/analytics-next'
import { cookiePlugin } from '../../test-utilities'
import { TRACKER_COVERAGE_GLOBAL, TRACKER_WAIT_MS } from '../sent-by'

// The cookie plugin writes on each event who sends it to Woopra, from what Woopra Web publishes about its tracker.

/** Woopra Web's publication, answering with `sends`. */
function publish(sends: (event: unknown) => Promise<boolean>) {
  const calls: unknown[] = []
  ;(window as unknown as Record<string, unknown>)[TRACKER_COVERAGE_GLOBAL] = {
    sends: (event: unknown) => {
      calls.push(event)
      return sends(event)
    }
  }
  return calls
}

async function enrich(event: Record<string, unknown>) {
  const plugin = await cookiePlugin()
  const enriched = await plugin.track?.(new Context({ type: 'track', event: 'Signed Up', ...event }))
  return enriched?.event
}

beforeEach(() => {
  delete (window as unknown as Record<string, unknown>)[TRACKER_COVERAGE_GLOBAL]
})

afterEach(() => {
  jest.restoreAllMocks()
})

/**
 * Holds back the timers of `ms` milliseconds and resolves with the first one's callback, to be fired by the test; other
 * timers run. (The monorepo's Jest 27 has no async fake-timer advance, so the wait is taken in hand this way.)
 */
function holdTimers(ms: number): Promise<() => void> {
  const realSetTimeout = globalThis.setTimeout
  return new Promise((armed) => {
    jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, delay?: number) => {
      if (delay !== ms) return realSetTimeout(callback, delay)
      armed(callback)
      return 0
    }) as typeof setTimeout)
  })
}

describe('who sends the event to Woopra', () => {
  it('is not written without Woopra Web on the page: the cloud destination sends everything', async () => {
    const event = await enrich({ context: { page: { path: '/' } } })
    expect(event?.context).toEqual({ page: { path: '/' } })
  })

  it('is "tracker" when Woopra Web’s live tracker sends the event, keeping the rest of the context', async () => {
    const asked = publish(async () => true)
    const event = await enrich({ context: { page: { path: '/' }, Woopra: { timeout: 30000 } } })
    expect(event?.context).toEqual({ page: { path: '/' }, Woopra: { timeout: 30000, sentBy: 'tracker' } })
    expect(asked).toEqual([expect.objectContaining({ type: 'track', event: 'Signed Up' })])
  })

  it('is "cloud" when the tracker does not send it (no subscription covers it, or w.js failed)', async () => {
    publish(async () => false)
    expect((await enrich({}))?.context?.Woopra).toEqual({ sentBy: 'cloud' })
  })

  it('is "cloud" when Woopra Web’s answer fails', async () => {
    publish(async () => {
      throw new Error('broken')
    })
    expect((await enrich({}))?.context?.Woopra).toEqual({ sentBy: 'cloud' })
  })

  it(`is "cloud" when the tracker has not started within ${TRACKER_WAIT_MS} ms (w.js slow)`, async () => {
    publish(() => new Promise<boolean>(() => undefined))
    const plugin = await cookiePlugin()
    const waitOver = holdTimers(TRACKER_WAIT_MS)
    let settled = false
    const tracked = Promise.resolve(plugin.track?.(new Context({ type: 'track', event: 'Signed Up' })))
    void tracked.then(() => (settled = true))

    const fire = await waitOver
    // Every other timer and promise has had its turn: only the wait holds the event back.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(settled).toBe(false)
    fire()
    expect((await tracked)?.event.context?.Woopra).toEqual({ sentBy: 'cloud' })
  })

  it.each([[{ Woopra: false }], [{ 'Woopra (Actions)': false }], [{ Woopra: 0 }], [{ All: false }]])(
    'is never "cloud" for an event whose integrations %p turn the cloud destination off',
    async (integrations) => {
      publish(async () => false)
      expect((await enrich({ integrations }))?.context?.Woopra).toBeUndefined()
      publish(async () => true)
      expect((await enrich({ integrations }))?.context?.Woopra).toEqual({ sentBy: 'tracker' })
    }
  )

  it.each(['tracker', 'cloud'])('keeps a mark the event already carries (%s)', async (sentBy) => {
    const asked = publish(async () => sentBy !== 'tracker')
    expect((await enrich({ context: { Woopra: { sentBy } } }))?.context?.Woopra).toEqual({ sentBy })
    expect(asked).toEqual([])
  })
})
