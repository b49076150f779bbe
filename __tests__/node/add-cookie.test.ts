import { addWoopraCookie, withWoopraCookie, woopraCookieMiddleware } from '../../src/node'
import type { WithIntegrations } from '../../src/node'

const request = { headers: { cookie: 'wooTracker=Zx81Qa7Lm0Pw' } }

describe('addWoopraCookie', () => {
  it.each([
    ['no integrations', {}, { Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }],
    [
      'other integrations',
      { integrations: { Mixpanel: false } },
      { Mixpanel: false, Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }
    ],
    ['Woopra: true', { integrations: { Woopra: true } }, { Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }],
    [
      'Woopra options without a cookie',
      { integrations: { Woopra: { timeout: 1 } } },
      { Woopra: { timeout: 1, cookie: 'Zx81Qa7Lm0Pw' } }
    ],
    [
      'All: false with Woopra on',
      { integrations: { All: false, Woopra: {} } },
      { All: false, Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }
    ],
    ['a cookie that is empty', { integrations: { Woopra: { cookie: ' ' } } }, { Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }],
    ['a cookie that is not text', { integrations: { Woopra: { cookie: 7 } } }, { Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }],
    ['Woopra: null', { integrations: { Woopra: null } }, { Woopra: { cookie: 'Zx81Qa7Lm0Pw' } }]
  ])('adds the cookie to a call with %s', (_, call: WithIntegrations, integrations) => {
    const original = structuredClone(call)
    expect(addWoopraCookie(call, request).integrations).toEqual(integrations)
    // The caller's call, integrations and Woopra objects are left as they were.
    expect(call).toEqual(original)
  })

  it.each([
    ['Woopra: false', { integrations: { Woopra: false } }],
    ['Woopra: 0', { integrations: { Woopra: 0 } }],
    ["Woopra: ''", { integrations: { Woopra: '' } }],
    ['All: false', { integrations: { All: false } }],
    ['All: false, Woopra: false', { integrations: { All: false, Woopra: false } }],
    ['a cookie of its own', { integrations: { Woopra: { cookie: 'fromTheCall' } } }]
  ])('leaves a call with %s as it is', (_, call) => {
    const original = structuredClone(call)
    const result = addWoopraCookie(call, request)
    expect(result).toEqual(original)
    expect(result).toBe(call)
  })

  it('adds nothing when the request has no Woopra cookie', () => {
    const call = { event: 'Signed Up' }
    expect(addWoopraCookie(call, { headers: { cookie: 'other=1' } })).toBe(call)
    expect(addWoopraCookie(call, { headers: {} })).toBe(call)
  })

  it('takes the cookie itself, or a cookie of another name', () => {
    expect(addWoopraCookie<WithIntegrations>({}, 'given').integrations).toEqual({ Woopra: { cookie: 'given' } })
    expect(
      addWoopraCookie<WithIntegrations>({}, { headers: { cookie: 'woo=named' } }, { cookieName: 'woo' }).integrations
    ).toEqual({
      Woopra: { cookie: 'named' }
    })
  })

  it('without a source, takes the cookie of the request being handled (withWoopraCookie), and none outside', async () => {
    const shared = { integrations: { Woopra: { timeout: 5 } } }
    const inside = await withWoopraCookie(request, async () => {
      await new Promise((resolve) => setImmediate(resolve))
      return addWoopraCookie(shared)
    })
    expect(inside.integrations).toEqual({ Woopra: { timeout: 5, cookie: 'Zx81Qa7Lm0Pw' } })
    expect(shared.integrations).toEqual({ Woopra: { timeout: 5 } })
    expect(addWoopraCookie(shared)).toBe(shared)
  })
})

describe('woopraCookieMiddleware', () => {
  it('runs the rest of the request (next) with the request’s cookie, read by the configured name', async () => {
    const seen: unknown[] = []
    const middleware = woopraCookieMiddleware({ cookieName: 'myWoo' })
    await new Promise<void>((resolve) =>
      middleware({ headers: { cookie: 'wooTracker=other; myWoo=mine' } }, {}, () => {
        setImmediate(() => {
          seen.push(addWoopraCookie<WithIntegrations>({}).integrations)
          resolve()
        })
      })
    )
    expect(seen).toEqual([{ Woopra: { cookie: 'mine' } }])
  })
})
