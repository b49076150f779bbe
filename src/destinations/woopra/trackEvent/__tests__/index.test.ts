import nock from 'nock'
import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import Destination from '../../index'
import { WOOPRA, settings, TIMESTAMP, TIMESTAMP_MS, queryOf, endpointOf } from '../../__tests__/__helpers__/wire'

const testDestination = createTestIntegration(Destination)

const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'

function trackEvent(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({
    type: 'track',
    event: 'Signed Up',
    userId: 'user-42',
    anonymousId: 'anon-7',
    timestamp: TIMESTAMP,
    properties: {},
    context: {
      ip: '203.0.113.9',
      locale: 'fr-FR',
      userAgent: USER_AGENT,
      page: { url: 'https://example.com/signup', referrer: 'https://www.google.com/search?q=woopra' }
    },
    ...overrides
  })
}

describe('Woopra.trackEvent', () => {
  it('sends Segment’s documented Woopra example: cookie from integrations.Woopra, timeout from context.Woopra', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: createTestEvent({
        type: 'track',
        event: 'Signed Up',
        userId: '97980cfea0067',
        anonymousId: '507f191e810c19729de860ea',
        timestamp: TIMESTAMP,
        properties: { plan: 'Enterprise' },
        integrations: { Woopra: { cookie: 'amyJ0K8meemG' } } as unknown as SegmentEvent['integrations'],
        context: { ip: '8.8.8.8', locale: 'en-US', userAgent: USER_AGENT, Woopra: { timeout: 30000 } }
      }),
      settings,
      useDefaultMappings: true
    })

    expect(responses).toHaveLength(1)
    expect(responses[0].status).toBe(200)
    expect(responses[0].options.method).toBe('GET')
    expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/ce')
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'Signed Up',
      cookie: 'amyJ0K8meemG',
      cv_id: '97980cfea0067',
      timestamp: TIMESTAMP_MS,
      timeout: '30000',
      ip: '8.8.8.8',
      language: 'en-US',
      ce_plan: 'Enterprise'
    })
    expect(responses[0].request.headers.get('user-agent')).toBe(USER_AGENT)
  })

  it('maps a track event with the default mappings: anonymousId as cookie, default timeout 60000, visit context', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({
        properties: { email: 'ada@example.com', plan: 'pro', seats: 3 }
      }),
      settings,
      useDefaultMappings: true
    })

    expect(responses).toHaveLength(1)
    expect(responses[0].options.method).toBe('GET')
    expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/ce')
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'Signed Up',
      cookie: 'anon-7',
      cv_id: 'user-42',
      cv_email: 'ada@example.com',
      timestamp: TIMESTAMP_MS,
      timeout: '60000',
      ip: '203.0.113.9',
      referer: 'https://www.google.com/search?q=woopra',
      language: 'fr-FR',
      ce_email: 'ada@example.com',
      ce_plan: 'pro',
      ce_seats: '3'
    })
    expect(responses[0].request.headers.get('user-agent')).toBe(USER_AGENT)
    // A GET carries everything in its query string.
    expect(await responses[0].request.text()).toBe('')
  })

  it('takes the email from context.traits.email when the properties have none', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({
        userId: undefined,
        anonymousId: undefined,
        context: { traits: { email: 'grace@example.com' } }
      }),
      settings,
      useDefaultMappings: true
    })

    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'Signed Up',
      cv_email: 'grace@example.com',
      timestamp: TIMESTAMP_MS,
      timeout: '60000'
    })
    // No userAgent in the event: the request client's own user agent is sent.
    expect(responses[0].request.headers.get('user-agent')).toBe('Segment (Actions)')
  })

  it('encodes property values by type: numbers, booleans, JSON for objects and arrays, epoch ms for ISO date-times', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({
        properties: {
          price: 19.99,
          zero: 0,
          negative: -3.5,
          huge: 1e21,
          paid: true,
          trial: false,
          address: { city: 'Zürich', zip: '8001', geo: { lat: 47.37, lng: 8.54 } },
          items: ['a', 2, { sku: 'x' }],
          emptyObject: {},
          emptyArray: [],
          nestedEmpties: { a: null, b: '' },
          orderedAt: '2015-11-04T09:20:22Z',
          withMillis: '2015-11-04T09:20:22.123Z',
          withOffset: '2015-11-04T09:20:22+05:30',
          dateOnly: '2015-11-04',
          impossibleDate: '2015-02-30T00:00:00Z',
          impossibleOffset: '2015-11-04T09:20:22+25:00',
          noZone: '2015-11-04T09:20:22',
          notADate: 'November 4th',
          nothing: null,
          blank: ''
        }
      }),
      settings,
      useDefaultMappings: true
    })

    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'Signed Up',
      cookie: 'anon-7',
      cv_id: 'user-42',
      timestamp: TIMESTAMP_MS,
      timeout: '60000',
      ip: '203.0.113.9',
      referer: 'https://www.google.com/search?q=woopra',
      language: 'fr-FR',
      ce_price: '19.99',
      ce_zero: '0',
      ce_negative: '-3.5',
      ce_huge: '1e+21',
      ce_paid: 'true',
      ce_trial: 'false',
      ce_address: '{"city":"Zürich","zip":"8001","geo":{"lat":47.37,"lng":8.54}}',
      ce_items: '["a",2,{"sku":"x"}]',
      ce_emptyObject: '{}',
      ce_emptyArray: '[]',
      ce_nestedEmpties: '{"a":null,"b":""}',
      ce_orderedAt: '1446628822000',
      ce_withMillis: '1446628822123',
      ce_withOffset: '1446609022000',
      ce_dateOnly: '2015-11-04',
      ce_impossibleDate: '2015-02-30T00:00:00Z',
      ce_impossibleOffset: '2015-11-04T09:20:22+25:00',
      ce_noZone: '1446628822000',
      ce_notADate: 'November 4th'
    })
    const url = responses[0].request.url
    expect(url).not.toMatch(/=(undefined|null|NaN)(&|$)/)
    expect(url).not.toContain('object+Object')
  })

  it('round-trips reserved and non-ASCII characters in property keys and values exactly', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')
    const tricky = 'a&b=c d+e%20f/g?h#i;j\'k"l<m>n 中文 😀 é\u00a0\n'

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({
        event: 'Bought & Paid = 100% ✓',
        properties: { [tricky]: tricky, 'clé=valeur&x': 'ü+ß' }
      }),
      settings,
      useDefaultMappings: true
    })

    const params = queryOf(responses[0])
    expect(params.event).toBe('Bought & Paid = 100% ✓')
    expect(params[`ce_${tricky}`]).toBe(tricky)
    expect(params['ce_clé=valeur&x']).toBe('ü+ß')
    // Everything beyond unreserved ASCII is percent-encoded on the wire.
    expect(new URL(responses[0].request.url).search).toMatch(/^\?[A-Za-z0-9%+=&*._-]*$/)
  })

  it('sends dedicated fields even when they look like date-times: only property values become epoch ms', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({
        event: '2015-11-04T09:20:22Z',
        userId: '2016-01-01T00:00:00Z',
        properties: { at: '2016-01-01T00:00:00Z' }
      }),
      settings,
      useDefaultMappings: true
    })

    const params = queryOf(responses[0])
    expect(params.event).toBe('2015-11-04T09:20:22Z')
    expect(params.cv_id).toBe('2016-01-01T00:00:00Z')
    expect(params.ce_at).toBe('1451606400000')
  })

  it.each([
    ['a line break', 'Mozilla/5.0\r\nX-Injected: 1', 'Mozilla/5.0%0D%0AX-Injected: 1'],
    ['characters beyond Latin-1', 'Mozilla/5.0 (中文)', 'Mozilla/5.0 (%E4%B8%AD%E6%96%87)'],
    ['Latin-1 letters', 'Navigateur/1.0 (Français)', 'Navigateur/1.0 (Fran%C3%A7ais)']
  ])('percent-encodes a user agent with %s, which a header cannot carry as it is', async (_what, userAgent, sent) => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({ context: { userAgent } }),
      settings,
      useDefaultMappings: true
    })

    expect(responses[0].request.headers.get('user-agent')).toBe(sent)
    expect(responses[0].request.headers.has('x-injected')).toBe(false)
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'Signed Up',
      cookie: 'anon-7',
      cv_id: 'user-42',
      timestamp: TIMESTAMP_MS,
      timeout: '60000'
    })
  })

  it.each([
    ['16 KB of ASCII', 'A'.repeat(16 * 1024), 'A'.repeat(1024)],
    ['1,025 bytes of ASCII, one over the limit', 'A'.repeat(1025), 'A'.repeat(1024)],
    // 'é' is %C3%A9, 6 bytes: 170 of them make 1,020 bytes, and a 171st would pass 1,024.
    ['5,500 non-ASCII characters', 'é'.repeat(5500), '%C3%A9'.repeat(170)],
    ['a character whose escapes would cross the limit', `${'a'.repeat(1020)}中文`, 'a'.repeat(1020)],
    ['exactly 1,024 bytes once encoded', `${'a'.repeat(1012)}😀😀`, `${'a'.repeat(1012)}%F0%9F%98%80`]
  ])(
    'cuts a user agent of %s to at most 1,024 bytes between characters, and sends the event',
    async (_what: string, userAgent: string, sent: string) => {
      const scope = nock(WOOPRA).get('/track/ce').query(true).matchHeader('user-agent', sent).reply(200, '')

      const responses = await testDestination.testAction('trackEvent', {
        event: trackEvent({ context: { userAgent } }),
        settings,
        useDefaultMappings: true
      })

      expect(scope.isDone()).toBe(true)
      expect(responses[0].request.headers.get('user-agent')).toBe(sent)
      expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(1024)
      expect(queryOf(responses[0]).event).toBe('Signed Up')
    }
  )

  it('reads a timestamp given as epoch milliseconds in digits', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent(),
      mapping: { timestamp: '1446628822000' },
      settings,
      useDefaultMappings: true
    })

    expect(queryOf(responses[0]).timestamp).toBe('1446628822000')
  })

  it('sends a timestamp in the future as the current time', async () => {
    const now = Date.UTC(2024, 5, 1, 12, 0, 0)
    const dateNow = jest.spyOn(Date, 'now').mockReturnValue(now)
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    try {
      const responses = await testDestination.testAction('trackEvent', {
        event: trackEvent({ timestamp: '2030-01-01T00:00:00.000Z' }),
        settings,
        useDefaultMappings: true
      })
      expect(queryOf(responses[0]).timestamp).toBe(String(now))
    } finally {
      dateNow.mockRestore()
    }
  })

  it('keeps a past timestamp as it is, with a fake clock set after it', async () => {
    const dateNow = jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2030, 0, 1))
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    try {
      const responses = await testDestination.testAction('trackEvent', {
        event: trackEvent(),
        settings,
        useDefaultMappings: true
      })
      expect(queryOf(responses[0]).timestamp).toBe(TIMESTAMP_MS)
    } finally {
      dateNow.mockRestore()
    }
  })

  it('sends a custom mapping: visitor properties as cv_, visit properties as cs_, cv_id and cv_email from their fields win over same-named visitor properties', async () => {
    nock(WOOPRA).get('/track/ce').query(true).reply(200, '')

    const responses = await testDestination.testAction('trackEvent', {
      event: trackEvent({
        event: 'Order Completed',
        properties: { order_id: 'o-1', total: 99.5, email: 'order@example.com' },
        traits: { plan: 'gold', id: 'trait-id', email: 'trait@example.com' },
        context: {
          ip: '198.51.100.4',
          locale: 'de-DE',
          userAgent: USER_AGENT,
          device: { id: 'device-1' },
          campaign: { name: 'Spring Sale', source: 'newsletter', medium: 'email', term: 'boots', content: '' }
        }
      }),
      settings,
      mapping: {
        cookie: { '@path': '$.context.device.id' },
        user_id: { '@path': '$.userId' },
        email: { '@path': '$.properties.email' },
        event_name: { '@template': 'Purchase: {{event}}' },
        timestamp: { '@path': '$.timestamp' },
        timeout: 120000,
        ip: { '@path': '$.context.ip' },
        user_agent: 'Custom Agent/1.0',
        language: { '@path': '$.context.locale' },
        properties: { order: { '@path': '$.properties.order_id' }, total: { '@path': '$.properties.total' } },
        visitor_properties: { '@path': '$.traits' },
        visit_properties: { '@path': '$.context.campaign' }
      }
    })

    expect(responses).toHaveLength(1)
    expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/ce')
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      event: 'Purchase: Order Completed',
      cookie: 'device-1',
      cv_id: 'user-42',
      cv_email: 'order@example.com',
      timestamp: TIMESTAMP_MS,
      timeout: '120000',
      ip: '198.51.100.4',
      language: 'de-DE',
      cv_plan: 'gold',
      ce_order: 'o-1',
      ce_total: '99.5',
      cs_name: 'Spring Sale',
      cs_source: 'newsletter',
      cs_medium: 'email',
      cs_term: 'boots'
    })
    expect(responses[0].request.headers.get('user-agent')).toBe('Custom Agent/1.0')
  })

  describe('oversize events', () => {
    const base = 'https://www.woopra.com/track/ce?'

    /** The query string the event below produces, apart from its `ce_blob` property. */
    function urlLengthWithBlob(blob: string): number {
      return (
        base +
        new URLSearchParams({
          project: 'example.com',
          event: 'Signed Up',
          cookie: 'anon-7',
          cv_id: 'user-42',
          timestamp: TIMESTAMP_MS,
          timeout: '60000',
          ip: '203.0.113.9',
          referer: 'https://www.google.com/search?q=woopra',
          language: 'fr-FR',
          ce_blob: blob
        }).toString()
      ).length
    }

    /** A value that makes the whole GET URL exactly `length` bytes long. */
    function blobForUrlLength(length: number): string {
      const blob = 'x'.repeat(length - urlLengthWithBlob(''))
      expect(urlLengthWithBlob(blob)).toBe(length)
      return blob
    }

    it('sends a URL of exactly 8000 bytes as GET', async () => {
      nock(WOOPRA).get('/track/ce').query(true).reply(200, '')
      const blob = blobForUrlLength(8000)

      const responses = await testDestination.testAction('trackEvent', {
        event: trackEvent({ properties: { blob } }),
        settings,
        useDefaultMappings: true
      })

      expect(responses[0].options.method).toBe('GET')
      expect(Buffer.byteLength(responses[0].request.url)).toBe(8000)
      expect(queryOf(responses[0]).ce_blob).toBe(blob)
    })

    it('sends an event whose GET URL would be 8001 bytes as POST with a JSON body of the same parameters', async () => {
      let wire: { path: string; body: unknown } | undefined
      nock(WOOPRA)
        .post('/track/ce')
        .matchHeader('content-type', 'application/json')
        .matchHeader('user-agent', USER_AGENT)
        .reply(200, (path, body) => {
          wire = { path, body }
          return ''
        })
      const blob = blobForUrlLength(8001)

      const responses = await testDestination.testAction('trackEvent', {
        event: trackEvent({ properties: { blob } }),
        settings,
        useDefaultMappings: true
      })

      expect(responses).toHaveLength(1)
      expect(responses[0].options.method).toBe('POST')
      expect(responses[0].request.url).toBe('https://www.woopra.com/track/ce')
      expect(responses[0].request.headers.get('content-type')).toBe('application/json')
      expect(responses[0].request.headers.get('user-agent')).toBe(USER_AGENT)
      expect(wire?.path).toBe('/track/ce')
      const body = typeof wire?.body === 'string' ? JSON.parse(wire.body) : wire?.body
      expect(body).toEqual({
        project: 'example.com',
        event: 'Signed Up',
        cookie: 'anon-7',
        cv_id: 'user-42',
        timestamp: TIMESTAMP_MS,
        timeout: '60000',
        ip: '203.0.113.9',
        referer: 'https://www.google.com/search?q=woopra',
        language: 'fr-FR',
        ce_blob: blob
      })
    })

    it('posts a large event with many non-ASCII properties without truncating or dropping any', async () => {
      let body: unknown
      nock(WOOPRA)
        .post('/track/ce')
        .reply(200, (_path, requestBody) => {
          body = typeof requestBody === 'string' ? JSON.parse(requestBody) : requestBody
          return ''
        })
      const properties: Record<string, string> = {}
      for (let i = 0; i < 300; i++) properties[`clé ${i}`] = `värde ${i} 😀 & = ${'ж'.repeat(i % 20)}`

      const responses = await testDestination.testAction('trackEvent', {
        event: trackEvent({ properties }),
        settings,
        useDefaultMappings: true
      })

      expect(responses[0].options.method).toBe('POST')
      const expected: Record<string, string> = {
        project: 'example.com',
        event: 'Signed Up',
        cookie: 'anon-7',
        cv_id: 'user-42',
        timestamp: TIMESTAMP_MS,
        timeout: '60000',
        ip: '203.0.113.9',
        referer: 'https://www.google.com/search?q=woopra',
        language: 'fr-FR'
      }
      for (const [key, value] of Object.entries(properties)) expected[`ce_${key}`] = value
      expect(body).toEqual(expected)
    })
  })
})
