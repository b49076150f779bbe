import nock from 'nock'
import {
  createTestEvent,
  createTestIntegration,
  DEFAULT_REQUEST_TIMEOUT,
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import type { JSONArray, JSONObject, SegmentEvent } from '@segment/actions-core'
import Destination from '../index'
import { buildWoopraRequest } from '../woopra-request'
import { WOOPRA, settings, TIMESTAMP, TIMESTAMP_MS } from './__helpers__/wire'

const testDestination = createTestIntegration(Destination)

const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0'
// Segment makes cloud subscriptions of the presets of cloud actions; the cookie plugin's preset runs in the browser.
const cloudPresets = (Destination.presets ?? []).filter((preset) => preset.partnerAction in Destination.actions)
const presetSettings = { ...settings, subscriptions: cloudPresets as unknown as JSONArray }

function segmentEvent(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({
    userId: 'user-42',
    anonymousId: 'anon-7',
    timestamp: TIMESTAMP,
    properties: {},
    traits: {},
    context: { ip: '203.0.113.9', locale: 'en-US', userAgent: USER_AGENT },
    ...overrides
  })
}

/** Every request that reached nock without an interceptor for it: none may be made where nothing is expected. */
let unexpectedRequests: string[] = []
const recordUnexpected = (req: { method?: string; path?: string }) => {
  unexpectedRequests.push(`${req.method} ${req.path}`)
}

beforeEach(() => {
  unexpectedRequests = []
  nock.emitter.on('no match', recordUnexpected)
  testDestination.responses = []
})

afterEach(() => {
  nock.emitter.removeListener('no match', recordUnexpected)
  // A delayed reply that was never delivered keeps a (real) timer of nock's alive: cancel it.
  nock.abortPendingRequests()
})

/** The query of the one track request the presets send for an event, through nock. */
async function sentQuery(event: SegmentEvent): Promise<Record<string, string>> {
  let query: Record<string, string> = {}
  nock(WOOPRA)
    .get('/track/ce')
    .query((actual) => {
      query = actual as Record<string, string>
      return true
    })
    .reply(200, '')
  await testDestination.onEvent(event, presetSettings)
  return query
}

describe('Woopra (Actions)', () => {
  describe('testAuthentication', () => {
    it('accepts a project name that is a bare domain, without any network call', async () => {
      await expect(testDestination.testAuthentication({ project: 'example.com' })).resolves.not.toThrow()
      await expect(testDestination.testAuthentication({ project: 'shop.example.co.uk' })).resolves.not.toThrow()
      expect(unexpectedRequests).toEqual([])
    })

    it.each([
      ['an empty value', ''],
      ['a scheme', 'https://example.com'],
      ['a path', 'example.com/path'],
      ['a query', 'example.com?x=1'],
      ['whitespace', 'exa mple.com']
    ])('rejects a project with %s and says what to enter', async (_problem: string, project: string) => {
      await expect(testDestination.testAuthentication({ project })).rejects.toThrow(
        'Enter your Woopra project name: the domain registered in Woopra, such as example.com'
      )
      expect(unexpectedRequests).toEqual([])
    })
  })

  describe('presets', () => {
    it("subscribes track, identify and page calls automatically, except those Woopra's browser tracker sends, and every call to the cookie plugin", () => {
      expect(Destination.presets).toEqual([
        expect.objectContaining({
          name: 'Track Calls',
          subscribe: `type = "track" and context.Woopra.sentBy != "tracker"`,
          partnerAction: 'trackEvent',
          type: 'automatic'
        }),
        expect.objectContaining({
          name: 'Identify Calls',
          subscribe: `type = "identify" and context.Woopra.sentBy != "tracker"`,
          partnerAction: 'identifyUser',
          type: 'automatic'
        }),
        expect.objectContaining({
          name: 'Page Calls',
          subscribe: `type = "page" and context.Woopra.sentBy != "tracker"`,
          partnerAction: 'trackPageView',
          type: 'automatic'
        }),
        {
          name: 'Woopra Browser Cookie',
          subscribe: 'type = "track" or type = "identify" or type = "group" or type = "page" or type = "alias"',
          partnerAction: 'woopraCookie',
          mapping: {},
          type: 'automatic'
        }
      ])
    })

    it('sends a track call through the presets to /track/ce', async () => {
      const scope = nock(WOOPRA)
        .get('/track/ce')
        .query({
          project: 'example.com',
          event: 'Signed Up',
          cookie: 'amyJ0K8meemG',
          cv_id: 'user-42',
          timestamp: TIMESTAMP_MS,
          timeout: '30000',
          ip: '203.0.113.9',
          language: 'en-US',
          ce_plan: 'Enterprise'
        })
        .matchHeader('user-agent', USER_AGENT)
        .reply(200, '')

      await testDestination.onEvent(
        segmentEvent({
          type: 'track',
          event: 'Signed Up',
          properties: { plan: 'Enterprise' },
          integrations: { Woopra: { cookie: 'amyJ0K8meemG' } } as unknown as SegmentEvent['integrations'],
          context: { ip: '203.0.113.9', locale: 'en-US', userAgent: USER_AGENT, Woopra: { timeout: 30000 } }
        }),
        presetSettings
      )

      expect(scope.isDone()).toBe(true)
      expect(testDestination.responses).toHaveLength(1)
      expect(unexpectedRequests).toEqual([])
    })

    it('sends an identify call through the presets to /track/identify', async () => {
      const scope = nock(WOOPRA)
        .get('/track/identify')
        .query({
          project: 'example.com',
          cookie: 'anon-7',
          cv_id: 'user-42',
          cv_email: 'ada@example.com',
          cv_name: 'Ada Lovelace',
          timestamp: TIMESTAMP_MS,
          timeout: '60000',
          ip: '203.0.113.9',
          language: 'en-US',
          cv_firstName: 'Ada',
          cv_lastName: 'Lovelace',
          cv_email_verified: 'true'
        })
        .matchHeader('user-agent', USER_AGENT)
        .reply(200, '')

      await testDestination.onEvent(
        segmentEvent({
          type: 'identify',
          event: undefined,
          traits: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', email_verified: true }
        }),
        presetSettings
      )

      expect(scope.isDone()).toBe(true)
      expect(testDestination.responses).toHaveLength(1)
      expect(unexpectedRequests).toEqual([])
    })

    it('sends a page call through the presets to /track/ce as a pv event', async () => {
      const scope = nock(WOOPRA)
        .get('/track/ce')
        .query({
          project: 'example.com',
          event: 'pv',
          cookie: 'anon-7',
          cv_id: 'user-42',
          ce_url: '/pricing',
          ce_uri: 'https://example.com/pricing?plan=pro',
          ce_domain: 'example.com',
          ce_title: 'Docs Pricing',
          timestamp: TIMESTAMP_MS,
          timeout: '60000',
          ip: '203.0.113.9',
          referer: 'https://www.google.com/',
          language: 'en-US'
        })
        .matchHeader('user-agent', USER_AGENT)
        .reply(200, '')

      await testDestination.onEvent(
        segmentEvent({
          type: 'page',
          event: undefined,
          name: 'Pricing',
          category: 'Docs',
          properties: { url: 'https://example.com/pricing?plan=pro' },
          context: {
            ip: '203.0.113.9',
            locale: 'en-US',
            userAgent: USER_AGENT,
            page: { referrer: 'https://www.google.com/' }
          }
        }),
        presetSettings
      )

      expect(scope.isDone()).toBe(true)
      expect(testDestination.responses).toHaveLength(1)
      expect(unexpectedRequests).toEqual([])
    })

    // Parameters typed: in the monorepo's lint program the test globals are Mocha's, whose `each` types nothing.
    describe.each([
      ['track', { type: 'track', event: 'Signed Up' }, '/track/ce'],
      ['identify', { type: 'identify', event: undefined, traits: { plan: 'pro' } }, '/track/identify'],
      ['page', { type: 'page', event: undefined, name: 'Pricing' }, '/track/ce']
    ] as const)(
      'a %s call from a page with Woopra Web',
      (_type: string, event: Partial<SegmentEvent>, path: string) => {
        const marked = (sentBy: string) =>
          segmentEvent({ ...event, context: { ip: '203.0.113.9', Woopra: { sentBy } } } as Partial<SegmentEvent>)

        it("is skipped when the cookie plugin marked it as sent by Woopra's browser tracker", async () => {
          const results = await testDestination.onEvent(marked('tracker'), presetSettings)

          expect(results).toEqual([
            { output: 'not subscribed' },
            { output: 'not subscribed' },
            { output: 'not subscribed' }
          ])
          expect(testDestination.responses).toEqual([])
          expect(unexpectedRequests).toEqual([])
        })

        it.each(['cloud', 'Tracker', ''])(
          'is sent when marked %p (the tracker does not send it)',
          async (sentBy: string) => {
            const scope = nock(WOOPRA).get(path).query(true).reply(200, '')

            await testDestination.onEvent(marked(sentBy), presetSettings)

            expect(scope.isDone()).toBe(true)
            expect(testDestination.responses).toHaveLength(1)
            expect(unexpectedRequests).toEqual([])
          }
        )
      }
    )

    it.each([
      ['group', { type: 'group', groupId: 'acme', traits: { name: 'Acme' } }],
      ['alias', { type: 'alias', previousId: 'anon-7' }],
      ['screen', { type: 'screen', name: 'Home' }]
    ] as const)('sends nothing for a %s call: no preset subscribes to it', async (_type, event) => {
      const results = await testDestination.onEvent(
        segmentEvent({ ...event, event: undefined } as Partial<SegmentEvent>),
        presetSettings
      )

      expect(results).toEqual([
        { output: 'not subscribed' },
        { output: 'not subscribed' },
        { output: 'not subscribed' }
      ])
      expect(testDestination.responses).toEqual([])
      expect(unexpectedRequests).toEqual([])
    })
  })

  describe('identifiers', () => {
    it.each([
      ['integrations.Woopra is false', { Woopra: false }],
      ['integrations.Woopra is 0', { Woopra: 0 }],
      ['integrations.Woopra is true', { Woopra: true }],
      ['the cookie is empty', { Woopra: { cookie: '' } }],
      ['the cookie is only whitespace', { Woopra: { cookie: ' \t ' } }],
      ['the cookie is null', { Woopra: { cookie: null } }],
      ['the cookie is false', { Woopra: { cookie: false } }],
      ['the cookie is a number', { Woopra: { cookie: 7 } }],
      ['the cookie is an object', { Woopra: { cookie: { id: 'x' } } }],
      ['the cookie is an empty array', { Woopra: { cookie: [] } }]
    ])('sends the anonymous ID as the cookie when %s', async (_case: string, integrations: object) => {
      const query = await sentQuery(
        segmentEvent({
          type: 'track',
          event: 'Signed Up',
          integrations: integrations as SegmentEvent['integrations']
        })
      )

      expect(query).toEqual({
        project: 'example.com',
        event: 'Signed Up',
        cookie: 'anon-7',
        cv_id: 'user-42',
        timestamp: TIMESTAMP_MS,
        timeout: '60000',
        ip: '203.0.113.9',
        language: 'en-US'
      })
      expect(unexpectedRequests).toEqual([])
    })

    it('sends a non-empty cookie string as given, spaces included', async () => {
      const query = await sentQuery(
        segmentEvent({
          type: 'track',
          event: 'Signed Up',
          integrations: { Woopra: { cookie: ' amyJ0K8meemG' } } as unknown as SegmentEvent['integrations']
        })
      )

      expect(query.cookie).toBe(' amyJ0K8meemG')
    })

    it('leaves out a user ID and an email of only whitespace, and still sends the event with the cookie', async () => {
      const query = await sentQuery(
        segmentEvent({
          type: 'track',
          event: 'Signed Up',
          userId: '   ',
          properties: { email: ' ' }
        })
      )

      expect(query).toEqual({
        project: 'example.com',
        event: 'Signed Up',
        cookie: 'anon-7',
        timestamp: TIMESTAMP_MS,
        timeout: '60000',
        ip: '203.0.113.9',
        language: 'en-US',
        ce_email: ' '
      })
    })

    it('falls back to the context email when the email property is empty, not only when it is missing', async () => {
      const query = await sentQuery(
        segmentEvent({
          type: 'track',
          event: 'Signed Up',
          properties: { email: '' },
          context: { ip: '203.0.113.9', locale: 'en-US', traits: { email: 'ada@example.com' } }
        })
      )

      expect(query.cv_email).toBe('ada@example.com')
    })

    it('rejects an event whose only identifiers are whitespace as unattributable, sending nothing', async () => {
      const error = await testDestination
        .onEvent(
          segmentEvent({
            type: 'track',
            event: 'Signed Up',
            userId: ' ',
            anonymousId: '\t',
            integrations: { Woopra: { cookie: '  ' } } as unknown as SegmentEvent['integrations'],
            properties: { email: '  ' }
          }),
          presetSettings
        )
        .then(
          () => undefined,
          (err) => err
        )

      expect(error).toBeInstanceOf(PayloadValidationError)
      expect(error.message).toContain('no cookie, no user ID and no email')
      expect(unexpectedRequests).toEqual([])
    })
  })

  describe('visit timeout and timestamp', () => {
    const trackWith = (context: Record<string, unknown>, timestamp = TIMESTAMP) =>
      segmentEvent({
        type: 'track',
        event: 'Signed Up',
        timestamp,
        context: { ip: '203.0.113.9', locale: 'en-US', ...context }
      })

    it.each([
      ['a whole number of ms', 30000, '30000'],
      ['digits', '30000', '30000'],
      ['digits with spaces around', ' 30000 ', '30000'],
      ['1 ms', 1, '1'],
      ['24 hours', 86_400_000, '86400000'],
      ['more than 24 hours', 86_400_001, '60000'],
      ['1e21', 1e21, '60000'],
      ['0', 0, '60000'],
      ['-5', -5, '60000'],
      ['a fraction', 30000.5, '60000'],
      ['"-5"', '-5', '60000'],
      ['"abc"', 'abc', '60000'],
      ['""', '', '60000'],
      ['null', null, '60000'],
      ['true', true, '60000'],
      ['an object', { ms: 30000 }, '60000'],
      ['an array', [30000], '60000']
    ])(
      'reads context.Woopra.timeout of %s (%p) by the rule, and never fails the event',
      async (_what: string, timeout: unknown, sent: string) => {
        const query = await sentQuery(trackWith({ Woopra: { timeout } }))

        expect(query.timeout).toBe(sent)
        expect(query.event).toBe('Signed Up')
        expect(unexpectedRequests).toEqual([])
      }
    )

    it('sends 60000 when context.Woopra is false', async () => {
      const query = await sentQuery(trackWith({ Woopra: false }))

      expect(query.timeout).toBe('60000')
    })

    it('sends the start of 1970 as timestamp=0', async () => {
      const query = await sentQuery(trackWith({}, '1970-01-01T00:00:00.000Z'))

      expect(query.timestamp).toBe('0')
    })

    it('rejects a timestamp before 1970 as a PayloadValidationError, sending nothing', async () => {
      const error = await testDestination.onEvent(trackWith({}, '1969-12-31T23:59:59.999Z'), presetSettings).then(
        () => undefined,
        (err) => err
      )

      expect(error).toBeInstanceOf(PayloadValidationError)
      expect(error.status).toBe(400)
      expect(error.message).toBe(
        'The timestamp "1969-12-31T23:59:59.999Z" is before 1970, which Woopra cannot record: check the sender\'s clock or the Timestamp mapping.'
      )
      expect(unexpectedRequests).toEqual([])
    })
  })

  describe('errors', () => {
    const anonymous = { userId: undefined, anonymousId: undefined }

    it.each([
      ['trackEvent', segmentEvent({ type: 'track', event: 'Signed Up', ...anonymous })],
      ['identifyUser', segmentEvent({ type: 'identify', ...anonymous, traits: { name: 'Nobody' } })],
      ['trackPageView', segmentEvent({ type: 'page', name: 'Home', ...anonymous })]
    ])(
      '%s rejects an event with no cookie, no user id and no email as a 400 PayloadValidationError, sending nothing',
      async (action: string, event: SegmentEvent) => {
        const error = await testDestination.testAction(action, { event, settings, useDefaultMappings: true }).then(
          () => undefined,
          (err) => err
        )

        expect(error).toBeInstanceOf(PayloadValidationError)
        expect(error.status).toBe(400)
        expect(error.message).toContain('no cookie, no user ID and no email')
        expect(unexpectedRequests).toEqual([])
      }
    )

    it('rejects an unattributable event through onEvent with status 400 and no request', async () => {
      const error = await testDestination
        .onEvent(segmentEvent({ type: 'track', event: 'Signed Up', userId: undefined, anonymousId: undefined }), {
          ...presetSettings
        })
        .then(
          () => undefined,
          (err) => err
        )

      expect(error).toBeInstanceOf(PayloadValidationError)
      expect(error.status).toBe(400)
      expect(testDestination.responses).toEqual([])
      expect(unexpectedRequests).toEqual([])
    })

    it('rejects a track event without an event name in validation, before any request', async () => {
      const error = await testDestination
        .testAction('trackEvent', {
          event: segmentEvent({ type: 'track', event: undefined }),
          settings,
          useDefaultMappings: true
        })
        .then(
          () => undefined,
          (err) => err
        )

      expect(error).toMatchObject({ name: 'AggregateAjvError' })
      expect(error.message).toContain("missing the required field 'event_name'")
      expect(unexpectedRequests).toEqual([])
    })

    it('rejects a track event without an event name through onEvent with status 400', async () => {
      const error = await testDestination
        .onEvent(segmentEvent({ type: 'track', event: undefined }), presetSettings)
        .then(
          () => undefined,
          (err) => err
        )

      expect(error).toMatchObject({ name: 'AggregateAjvError', status: 400 })
      expect(testDestination.responses).toEqual([])
      expect(unexpectedRequests).toEqual([])
    })

    it.each([
      [400, 'BAD_REQUEST'],
      [429, 'TOO_MANY_REQUESTS'],
      [500, 'INTERNAL_SERVER_ERROR']
    ])(
      'surfaces Woopra answering %i as an error carrying that status, without the answer body',
      async (status: number, code: string) => {
        nock(WOOPRA).get('/track/ce').query(true).reply(status, 'woopra says no to ada@example.com')

        const error = await testDestination
          .testAction('trackEvent', { event: segmentEvent({ type: 'track' }), settings, useDefaultMappings: true })
          .then(
            () => undefined,
            (err) => err
          )

        expect(error).toBeInstanceOf(IntegrationError)
        expect(error.status).toBe(status)
        expect(error.code).toBe(code)
        expect(error.message).toMatch(new RegExp(`^Woopra answered ${status} [A-Za-z ]+ to /track/ce$`))
        expect(error.message).not.toContain('woopra says no')
      }
    )

    it('surfaces a 429 through onEvent with status 429, so that Segment retries it', async () => {
      nock(WOOPRA).get('/track/identify').query(true).reply(429)

      const error = await testDestination
        .onEvent(segmentEvent({ type: 'identify', event: undefined }), presetSettings)
        .then(
          () => undefined,
          (err) => err
        )

      expect(error).toBeInstanceOf(IntegrationError)
      expect(error.status).toBe(429)
      expect(error.message).toContain('Woopra answered 429 Too Many Requests to /track/identify')
    })

    it('surfaces a Woopra that does not answer within the 10 s deadline as a RetryableError with status 408', async () => {
      // Shrink only the 10 s timers (the destination's deadline and the request client's own), so that the timeout
      // fires while Woopra is still silent.
      // (A spy rather than fake timers: it works the same under the monorepo's Jest 27.)
      const realSetTimeout = global.setTimeout
      const timers = jest
        .spyOn(global, 'setTimeout')
        .mockImplementation(((callback: () => void, ms?: number) =>
          realSetTimeout(callback, ms === DEFAULT_REQUEST_TIMEOUT ? 20 : ms)) as typeof setTimeout)
      nock(WOOPRA).get('/track/ce').query(true).delay(500).reply(200, '')

      try {
        const error = await testDestination
          .testAction('trackEvent', { event: segmentEvent({ type: 'track' }), settings, useDefaultMappings: true })
          .then(
            () => undefined,
            (err) => err
          )

        expect(timers.mock.calls.some(([, ms]) => ms === DEFAULT_REQUEST_TIMEOUT)).toBe(true)
        expect(error).toBeInstanceOf(RetryableError)
        expect(error.status).toBe(408)
        expect(error.message).toBe('Woopra did not answer /track/ce in full within 10000 ms')
      } finally {
        timers.mockRestore()
      }
    })

    it('surfaces a network error as a RetryableError', async () => {
      nock(WOOPRA)
        .get('/track/ce')
        .query(true)
        .replyWithError({ message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' })

      const error = await testDestination
        .testAction('trackEvent', { event: segmentEvent({ type: 'track' }), settings, useDefaultMappings: true })
        .then(
          () => undefined,
          (err) => err
        )

      expect(error).toBeInstanceOf(RetryableError)
      expect(error.status).toBe(503)
      expect(error.message).toBe('Woopra could not be reached at /track/ce (ECONNREFUSED)')
    })

    /** A property value nested `depth` levels deep: {"a":{"a":…"x"…}}. */
    function nested(depth: number): JSONObject {
      let value: JSONObject = { a: 'x' }
      for (let level = 1; level < depth; level++) value = { a: value }
      return value
    }

    it('sends a property nested 1,000 levels as JSON (by POST, being long), the depth actions-core itself maps', async () => {
      const deep = nested(1000)
      let body: Record<string, string> = {}
      nock(WOOPRA)
        .post('/track/ce', (sent) => {
          body = sent
          return true
        })
        .reply(200, '')

      await testDestination.onEvent(
        segmentEvent({ type: 'track', event: 'Deep', properties: { deep } }),
        presetSettings
      )

      expect(body.ce_deep).toBe(JSON.stringify(deep))
      expect(unexpectedRequests).toEqual([])
    })

    it('rejects a property nested too deeply for JSON as a PayloadValidationError naming it, never a RangeError', () => {
      // 100,000 levels: beyond JSON.stringify's reach on any stack. Called directly, as actions-core fails long before.
      const build = () =>
        buildWoopraRequest(
          settings,
          { cookie: 'anon-7' },
          { endpoint: 'ce', event: 'Deep', eventProperties: { deep: nested(100_000) } }
        )

      expect(build).toThrow(PayloadValidationError)
      expect(build).toThrow(
        'The value of ce_deep is nested too deeply to be sent to Woopra as JSON. Flatten it or leave it out.'
      )
    })

    it.each([
      [
        'testAction',
        () =>
          testDestination.testAction('trackEvent', {
            event: segmentEvent({ type: 'track', event: 'Deep', properties: { deep: nested(50000) } }),
            settings,
            useDefaultMappings: true
          })
      ],
      [
        'onEvent',
        () =>
          testDestination.onEvent(
            segmentEvent({ type: 'track', event: 'Deep', properties: { deep: nested(50000) } }),
            presetSettings
          )
      ]
    ])(
      'documents that actions-core fails a property nested 50,000 levels in its own mapping (%s), before the action runs, sending nothing',
      async (_path: string, send: () => Promise<unknown>) => {
        // actions-core's removeUndefined recurses once per level when it maps the event, and overflows the stack at a
        // few thousand levels: the destination never sees the event. The README says so under "Errors". 50,000 levels,
        // far past that point, so that the outcome does not depend on the stack size of the run (5,000 sometimes passed).
        const error = await send().then(
          () => undefined,
          (err) => err
        )

        expect(error).toBeInstanceOf(RangeError)
        expect(error.stack).toContain('removeUndefined')
        expect(unexpectedRequests).toEqual([])
      }
    )

    it.each(['', 'https://example.com', 'example.com/path'])(
      'rejects the project setting %p at perform time as an InvalidAuthenticationError, sending nothing',
      async (project: string) => {
        const error = await testDestination
          .testAction('trackEvent', {
            event: segmentEvent({ type: 'track' }),
            settings: { project },
            useDefaultMappings: true
          })
          .then(
            () => undefined,
            (err) => err
          )

        expect(error).toBeInstanceOf(InvalidAuthenticationError)
        expect(error.status).toBe(401)
        expect(error.message).toContain('Enter your Woopra project name')
        expect(unexpectedRequests).toEqual([])
      }
    )
  })
})
