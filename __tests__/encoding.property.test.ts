/**
 * Property test of Woopra's wire encoding (SPEC §5): random Segment events go through the real actions and their
 * default mappings, and every request is compared with an oracle written here from the rules, independently of
 * woopra-request.ts.
 *
 * What the framework does before the destination sees an event, and the oracle therefore models:
 * - actions-core copies mapped objects with Object.assign (removeUndefined), so an own `__proto__` key of traits or
 *   properties (as JSON.parse creates one) is dropped, at any depth; `constructor`, `toString` and the like are kept
 *   as ordinary keys and sent as `cv_constructor`, `ce_toString`, ...
 * - string fields (email, name, page URL, ...) are coerced by ajv: numbers and booleans become their string form,
 *   null and a top-level '' are removed.
 * - the "this path, else that one" defaults use `@if blank`: undefined, null, '', false and 0 take the other path.
 * - an identifier (cookie, user ID, email) is a string with something besides whitespace; the cookie defaults to
 *   integrations.Woopra.cookie when that is a non-empty string, and the anonymous ID stands in for a missing or
 *   whitespace-only cookie.
 */
import fc from 'fast-check'
import nock from 'nock'
import { createTestEvent, createTestIntegration, PayloadValidationError } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import Destination from '../src/destinations/woopra'

const testDestination = createTestIntegration(Destination)

const WOOPRA = 'https://www.woopra.com'
const PROJECT = 'example.com'
const MAX_GET_URL_BYTES = 8000
const NUM_RUNS = 150
// Each property takes 1 to 4 s alone and several times that on a busy 2-core machine: far beyond Jest's default 5 s.
// The timeout is only a guard against a hang, never a measure of speed.
const PROPERTY_TIMEOUT_MS = 120_000

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

// ---------------------------------------------------------------------------------------------------------------
// Generators

/** An object with exactly these own keys, including `__proto__` as an own key, the way JSON.parse builds one. */
function objectOf(entries: [string, Json][]): JsonObject {
  const object: JsonObject = {}
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return object
}

const FORBIDDEN_TEXT = ['undefined', 'null', '[object Object]', 'NaN']
const RESERVED = ['&', '=', '+', '%', '#', '?', '/', ' ', ';', ':', '@', ',', '"', "'", '<', '>', '\n', '\u0000']
const NON_ASCII = ['é', 'ß', 'ж', '中', '文', '😀', '\u00a0', '\u200b', '\ufeff']

const reservedText = fc.stringOf(fc.constantFrom(...RESERVED, ...NON_ASCII, 'a', '1'), { maxLength: 8 })

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0')

/** A full ISO-8601 date-time: with or without milliseconds, in UTC (Z) or at an offset from it. */
const isoDateTime = fc
  .tuple(
    fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.boolean(),
    fc.integer({ min: -14 * 4, max: 14 * 4 }).map((quarters) => quarters * 15)
  )
  .map(([date, withMillis, offsetMinutes]) => {
    const wall = new Date(date.getTime() + offsetMinutes * 60000).toISOString()
    const time = withMillis ? wall.slice(0, 23) : wall.slice(0, 19)
    if (offsetMinutes === 0) return `${time}Z`
    const sign = offsetMinutes < 0 ? '-' : '+'
    return `${time}${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`
  })

const text = fc
  .oneof(
    { arbitrary: fc.fullUnicodeString({ maxLength: 12 }), weight: 4 },
    { arbitrary: reservedText, weight: 3 },
    { arbitrary: isoDateTime, weight: 2 },
    { arbitrary: fc.constantFrom('', ' ', 'true', '0', '-0', '1e21', '%25', 'a=b&c=d', '2015-11-04'), weight: 1 }
  )
  .filter((s) => !FORBIDDEN_TEXT.includes(s))

const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 19.99, 1e21, 1e-7, Number.MAX_SAFE_INTEGER + 2, Number.MAX_VALUE, Number.MIN_VALUE)
)

const key = fc.oneof(
  { arbitrary: fc.fullUnicodeString({ maxLength: 6 }), weight: 4 },
  { arbitrary: reservedText, weight: 2 },
  {
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'id', 'uri', 'domain', 'path'),
    weight: 1
  }
)

const { value: jsonValue } = fc.letrec<{ value: Json; leaf: Json; list: Json[]; object: JsonObject }>((tie) => ({
  value: fc.oneof({ maxDepth: 3, depthIdentifier: 'json' }, tie('leaf'), tie('leaf'), tie('list'), tie('object')),
  leaf: fc.oneof(text, number, fc.boolean(), fc.constant(null)),
  list: fc.array(tie('value'), { maxLength: 4, depthIdentifier: 'json' }),
  object: fc
    .array(fc.tuple(key, tie('value')), { maxLength: 4, depthIdentifier: 'json' })
    .map((entries) => objectOf(entries))
}))

/** A long value, sometimes long enough to push the GET URL over 8,000 bytes. */
const bigText = fc
  .tuple(fc.integer({ min: 500, max: 3000 }), fc.constantFrom('a', 'é', '😀', ' ', '&'))
  .map(([length, char]) => char.repeat(length))

/** A traits or properties object: random keys (but not `reserved`, which the caller adds itself) and values. */
function dictionary(reserved: string[]) {
  return fc
    .tuple(
      fc.array(
        fc.tuple(
          key.filter((k) => !reserved.includes(k)),
          jsonValue
        ),
        { maxLength: 8 }
      ),
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: bigText, weight: 1 })
    )
    .map(([entries, big]) => objectOf(big === undefined ? entries : [...entries, ['big', big]]))
}

/** A value for a key that a string field reads (email, name, url, ...): absent, null, '' or a scalar. */
const fieldValue = fc.option(fc.oneof(text, number, fc.boolean(), fc.constant(null)), { nil: undefined })

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined })

/** A user agent: mostly printable ASCII as browsers send it, sometimes any Unicode text (line breaks included). */
const userAgent = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }).map((s) => `Agent/${s}`.trim()), weight: 3 },
  { arbitrary: fc.fullUnicodeString({ maxLength: 12 }).map((s) => `Agent/${s}`), weight: 1 }
)

interface PageUrl {
  href: string
  /** The path alone: Woopra's `url` under the default Ignore Query In URLs. */
  path: string
  host: string | undefined
}

const isPageUrl = (value: unknown): value is PageUrl => typeof value === 'object' && value !== null

/** A page URL whose path, query and host are known: absolute or relative. */
const pageUrl: fc.Arbitrary<PageUrl> = fc
  .record({
    host: fc.constantFrom('example.com', 'www.shop.example.co.uk', 'localhost'),
    absolute: fc.boolean(),
    segments: fc.array(fc.stringOf(fc.constantFrom('a', 'b', '1', '-', '_', '~'), { minLength: 1, maxLength: 5 }), {
      maxLength: 3
    }),
    query: maybe(fc.array(fc.tuple(fc.constantFrom('q', 'page', 'utm_source'), fc.nat(999)), { minLength: 1 })),
    hash: maybe(fc.constantFrom('top', 'faq'))
  })
  .map(({ host, absolute, segments, query, hash }) => {
    const path = `/${segments.join('/')}`
    const search = query ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''
    const href = `${absolute ? `https://${host}` : ''}${path}${search}${hash ? `#${hash}` : ''}`
    return { href, path, host: absolute ? host : undefined }
  })

/** properties.url of a page: absent, null, '' (all three leave context.page.url to be read) or a URL. */
const propertiesUrl: fc.Arbitrary<PageUrl | null | '' | undefined> = fc.oneof(
  { arbitrary: fc.constantFrom<undefined | null | ''>(undefined, null, ''), weight: 2 },
  { arbitrary: pageUrl, weight: 3 }
)

/** What every event carries besides its type-specific parts. */
const commonParts = fc.record({
  userId: maybe(text),
  anonymousId: maybe(text),
  // integrations.Woopra.cookie: text, or values that are not a cookie and leave the anonymous ID to stand in.
  woopraCookie: maybe(fc.oneof(text, fc.constantFrom<Json>(null, false, 0, true, 7, ' \t', {}, { id: 'x' }))),
  // context.Woopra.timeout: mostly whole numbers around the accepted range, sometimes anything else.
  woopraTimeout: maybe(
    fc.oneof(
      { arbitrary: fc.integer({ min: -10, max: 2e8 }), weight: 4 },
      {
        arbitrary: fc.constantFrom<Json>(86_400_000, 86_400_001, 1e21, 30000.5, -5, null, true, {}, [30000]),
        weight: 1
      },
      { arbitrary: fc.oneof(fc.nat(1e9).map(String), text), weight: 1 }
    )
  ),
  timestamp: fc
    .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2020-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  ip: maybe(text),
  locale: maybe(text),
  referrer: maybe(text),
  userAgent: maybe(userAgent),
  visit: maybe(dictionary([]))
})
type CommonParts = typeof commonParts extends fc.Arbitrary<infer T> ? T : never

function eventOf(common: CommonParts, specific: Partial<SegmentEvent>, context: Record<string, unknown> = {}) {
  const integrations =
    common.woopraCookie === undefined ? {} : { integrations: { Woopra: { cookie: common.woopraCookie } } }
  return createTestEvent({
    userId: common.userId,
    anonymousId: common.anonymousId,
    timestamp: common.timestamp,
    ...integrations,
    ...specific,
    context: {
      ip: common.ip,
      locale: common.locale,
      userAgent: common.userAgent,
      page: { referrer: common.referrer },
      Woopra: common.woopraTimeout === undefined ? undefined : { timeout: common.woopraTimeout },
      visit: common.visit,
      ...context
    }
  } as Partial<SegmentEvent>)
}

// ---------------------------------------------------------------------------------------------------------------
// Oracle: SPEC §5, written from the rules

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|([+-])(\d{2}):(\d{2}))$/

/** Epoch ms of a full ISO-8601 date-time; undefined for anything else, impossible dates included. */
function epochMsOf(value: string): number | undefined {
  const match = ISO_DATE_TIME.exec(value)
  if (!match) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) return undefined
  const offsetMinutes = match[1] ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0
  // Date.parse rolls 2015-02-30 over to March: the wall-clock time must read back as written.
  const wallClock = new Date(ms + offsetMinutes * 60000).toISOString().slice(0, 19)
  return wallClock === value.slice(0, 19) ? ms : undefined
}

/** A trait or property value as Woopra must receive it; undefined when it must be left out. */
function expectedPropertyValue(value: Json | undefined): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') {
    const ms = epochMsOf(value)
    return ms === undefined ? value : String(ms)
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** A string field after the framework: scalars as text, null and '' gone. Never read as a date. */
function expectedFieldValue(value: Json | undefined): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  return String(value)
}

/** Segment's `@if blank` (`value != ''` besides null and undefined): '', false and 0 are blank as well. */
function isBlank(value: Json | undefined): boolean {
  return value === undefined || value === null || value === '' || value === false || value === 0
}

/** A "this path, else that one" default: the first value unless it is blank, else the second, whatever it is. */
function pathOrElse(value: Json | undefined, fallback: Json | undefined): Json | undefined {
  return isBlank(value) ? fallback : value
}

/** An identifier as the destination reads it: a string with something besides whitespace, else nothing. */
function identifier(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined
}

/** actions-core's copy of mapped objects (Object.assign) drops own `__proto__` keys at every depth. */
function asMapped(value: Json): Json {
  if (Array.isArray(value)) return value.map(asMapped)
  if (value !== null && typeof value === 'object') {
    return objectOf(
      Object.keys(value)
        .filter((k) => k !== '__proto__')
        .map((k) => [k, asMapped(value[k])])
    )
  }
  return value
}

/** The visit timeout: a whole number of ms from 1 to 24 h, as a number or digits; anything else is 60000. */
function expectedTimeout(value: Json | undefined): number {
  const ms =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN
  return Number.isInteger(ms) && ms >= 1 && ms <= 86_400_000 ? ms : 60000
}

class ExpectedParams {
  readonly params = new Map<string, string>()

  field(name: string, value: string | undefined) {
    if (value !== undefined) this.params.set(name, value)
  }

  prefixed(prefix: string, properties: JsonObject | undefined) {
    if (!properties) return
    const mapped = asMapped(properties) as JsonObject
    for (const k of Object.keys(mapped)) {
      const value = expectedPropertyValue(mapped[k])
      // A parameter of its own (cv_id, cv_email, cv_name, ce_url, ...) wins over a property of the same name.
      if (value !== undefined && !this.params.has(prefix + k)) this.params.set(prefix + k, value)
    }
  }
}

interface Expectation {
  endpoint: 'ce' | 'identify'
  params?: Map<string, string>
  userAgent: string
}

function expectCommon(common: CommonParts, email: Json | undefined, event: string | undefined) {
  const expected = new ExpectedParams()
  expected.field('project', PROJECT)
  expected.field('event', event)
  const woopraCookie = typeof common.woopraCookie === 'string' ? common.woopraCookie : undefined
  const cookie = identifier(woopraCookie) ?? identifier(expectedFieldValue(common.anonymousId))
  const userId = identifier(expectedFieldValue(common.userId))
  const emailValue = identifier(expectedFieldValue(email))
  expected.field('cookie', cookie)
  expected.field('cv_id', userId)
  expected.field('cv_email', emailValue)
  expected.field('timestamp', String(Date.parse(common.timestamp)))
  expected.field('timeout', String(expectedTimeout(common.woopraTimeout)))
  expected.field('ip', expectedFieldValue(common.ip))
  expected.field('referer', expectedFieldValue(common.referrer))
  expected.field('language', expectedFieldValue(common.locale))
  const attributable = cookie !== undefined || userId !== undefined || emailValue !== undefined
  return { expected, attributable }
}

// ---------------------------------------------------------------------------------------------------------------
// The wire

interface WireRequest {
  method: string
  path: string
  body: unknown
}

let wire: WireRequest[] = []
/** How many events of the current property went out as GET and as POST. */
let seen = { GET: 0, POST: 0 }

beforeEach(() => {
  wire = []
  const record =
    (method: string) =>
    (path: string, body: unknown): [number, string] => {
      wire.push({ method, path, body: typeof body === 'string' && body !== '' ? JSON.parse(body) : body })
      return [200, '']
    }
  nock(WOOPRA)
    .persist()
    .get(() => true)
    .query(true)
    .reply(record('GET'))
    .post(() => true)
    .reply(record('POST'))
})

async function run(action: string, event: SegmentEvent, mapping: JSONObject) {
  wire = []
  const outcome = await testDestination
    .testAction(action, { event, settings: { project: PROJECT }, useDefaultMappings: true, mapping })
    .then(
      (responses) => ({ responses, error: undefined }),
      (error) => ({ responses: [], error })
    )
  return outcome
}

const visitMapping = { visit_properties: { '@path': '$.context.visit' } }

async function check(action: string, event: SegmentEvent, mapping: JSONObject, want: Expectation) {
  const { responses, error } = await run(action, event, mapping)

  if (!want.params) {
    expect(error).toBeInstanceOf(PayloadValidationError)
    expect(wire).toEqual([])
    return
  }
  if (error) throw error
  expect(responses).toHaveLength(1)
  expect(wire).toHaveLength(1)
  const [response] = responses
  const [request] = wire
  const endpoint = `${WOOPRA}/track/${want.endpoint}`
  const expectedObject = Object.fromEntries(want.params)
  const getUrl = `${endpoint}?${new URLSearchParams([...want.params]).toString()}`
  const getUrlBytes = Buffer.byteLength(getUrl)

  expect(response.request.headers.get('user-agent')).toBe(want.userAgent)

  let sent: Record<string, string>
  if (getUrlBytes <= MAX_GET_URL_BYTES) {
    expect(request.method).toBe('GET')
    expect(request.path.startsWith(`/track/${want.endpoint}?`)).toBe(true)
    const url = response.request.url
    expect(Buffer.byteLength(url)).toBe(getUrlBytes)
    expect(Buffer.byteLength(url)).toBeLessThanOrEqual(MAX_GET_URL_BYTES)
    const entries = [...new URL(url).searchParams]
    sent = Object.fromEntries(entries)
    expect(Object.keys(sent)).toHaveLength(entries.length)
  } else {
    expect(request.method).toBe('POST')
    expect(request.path).toBe(`/track/${want.endpoint}`)
    expect(response.request.url).toBe(endpoint)
    expect(response.request.headers.get('content-type')).toBe('application/json')
    sent = request.body as Record<string, string>
  }

  seen[request.method as 'GET' | 'POST']++
  for (const value of Object.values(sent)) {
    expect(typeof value).toBe('string')
    expect(FORBIDDEN_TEXT).not.toContain(value)
  }
  expect(sent).toEqual(expectedObject)
}

/** The User-Agent header: the event's user agent with everything beyond printable ASCII percent-encoded as UTF-8
 * bytes (a header cannot carry line breaks or other scripts), else the request client's own. */
function expectedUserAgent(common: CommonParts) {
  const { userAgent } = common
  if (!userAgent) return 'Segment (Actions)'
  let expected = ''
  for (const char of userAgent) {
    const code = char.codePointAt(0) ?? 0
    expected +=
      code >= 0x20 && code <= 0x7e
        ? char
        : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  }
  return expected
}

// ---------------------------------------------------------------------------------------------------------------
// Properties

describe('Woopra wire encoding of random Segment events', () => {
  beforeEach(() => {
    seen = { GET: 0, POST: 0 }
  })

  afterEach(() => {
    // The runs must have exercised both request shapes.
    expect(seen.GET).toBeGreaterThan(0)
    expect(seen.POST).toBeGreaterThan(0)
  })

  it(
    'encodes track events: event name, ce_ properties, cv_ visitor and cs_ visit properties',
    async () => {
      const track = fc.record({
        common: commonParts,
        event: text.filter((s) => s !== ''),
        properties: dictionary(['email']),
        propertiesEmail: fieldValue,
        contextTraits: maybe(dictionary(['email'])),
        contextEmail: fieldValue
      })

      await fc.assert(
        fc.asyncProperty(track, async ({ common, event, properties, propertiesEmail, contextTraits, contextEmail }) => {
          const props =
            propertiesEmail === undefined
              ? properties
              : objectOf([...entriesOf(properties), ['email', propertiesEmail]])
          const traits =
            contextEmail === undefined
              ? contextTraits
              : objectOf([...entriesOf(contextTraits ?? {}), ['email', contextEmail]])

          const email = pathOrElse(propertiesEmail, contextEmail)
          const { expected, attributable } = expectCommon(common, email, event)
          expected.prefixed('cv_', traits)
          expected.prefixed('ce_', props)
          expected.prefixed('cs_', common.visit)

          await check(
            'trackEvent',
            eventOf(common, { type: 'track', event, properties: props }, traits === undefined ? {} : { traits }),
            { ...visitMapping, visitor_properties: { '@path': '$.context.traits' } },
            {
              endpoint: 'ce',
              params: attributable ? expected.params : undefined,
              userAgent: expectedUserAgent(common)
            }
          )
        }),
        { numRuns: NUM_RUNS }
      )
    },
    PROPERTY_TIMEOUT_MS
  )

  it(
    'encodes identify events: cv_ traits, cv_name from name or first and last name',
    async () => {
      const nameKeys = ['email', 'name', 'firstName', 'first_name', 'lastName', 'last_name']
      const identify = fc.record({
        common: commonParts,
        traits: dictionary(nameKeys),
        named: fc.record({
          email: fieldValue,
          name: fieldValue,
          firstName: fieldValue,
          first_name: fieldValue,
          lastName: fieldValue,
          last_name: fieldValue
        })
      })

      await fc.assert(
        fc.asyncProperty(identify, async ({ common, traits, named }) => {
          const namedEntries = Object.entries(named).filter(([, v]) => v !== undefined) as [string, Json][]
          const allTraits = objectOf([...entriesOf(traits), ...namedEntries])

          const { expected, attributable } = expectCommon(common, named.email, undefined)
          const first = expectedFieldValue(pathOrElse(named.firstName, named.first_name))
          const last = expectedFieldValue(pathOrElse(named.lastName, named.last_name))
          const fullName = expectedFieldValue(named.name) ?? ([first, last].filter(Boolean).join(' ') || undefined)
          expected.field('cv_name', fullName)
          expected.prefixed('cv_', allTraits)
          expected.prefixed('cs_', common.visit)

          await check(
            'identifyUser',
            eventOf(common, { type: 'identify', event: undefined, traits: allTraits }),
            visitMapping,
            {
              endpoint: 'identify',
              params: attributable ? expected.params : undefined,
              userAgent: expectedUserAgent(common)
            }
          )
        }),
        { numRuns: NUM_RUNS }
      )
    },
    PROPERTY_TIMEOUT_MS
  )

  it(
    'encodes page events: pv with ce_url (the path), ce_uri, ce_domain and ce_title winning over page properties',
    async () => {
      const page = fc.record({
        common: commonParts,
        name: maybe(text),
        category: maybe(text),
        properties: dictionary(['email', 'url', 'title']),
        propertiesUrl,
        contextUrl: maybe(pageUrl),
        propertiesTitle: fieldValue,
        contextTitle: maybe(text),
        propertiesEmail: fieldValue
      })

      await fc.assert(
        fc.asyncProperty(page, async (p) => {
          const { common } = p
          const extra: [string, Json][] = []
          if (p.propertiesUrl !== undefined) {
            extra.push(['url', isPageUrl(p.propertiesUrl) ? p.propertiesUrl.href : p.propertiesUrl])
          }
          if (p.propertiesTitle !== undefined) extra.push(['title', p.propertiesTitle])
          if (p.propertiesEmail !== undefined) extra.push(['email', p.propertiesEmail])
          const properties = objectOf([...entriesOf(p.properties), ...extra])

          // The page event has no context.traits.email, the email field's fallback.
          const { expected, attributable } = expectCommon(common, pathOrElse(p.propertiesEmail, undefined), 'pv')
          // page_url: properties.url unless it is blank (missing, null or ''), else context.page.url.
          const url = isPageUrl(p.propertiesUrl) ? p.propertiesUrl : p.contextUrl
          if (url) {
            expected.field('ce_url', url.path)
            expected.field('ce_uri', url.href)
            expected.field('ce_domain', url.host)
          }
          const name = expectedFieldValue(p.name)
          const category = expectedFieldValue(p.category)
          const title = name
            ? category
              ? `${category} ${name}`
              : name
            : expectedFieldValue(pathOrElse(p.propertiesTitle, p.contextTitle))
          expected.field('ce_title', title)
          expected.prefixed('ce_', properties)
          expected.prefixed('cs_', common.visit)

          await check(
            'trackPageView',
            eventOf(
              common,
              { type: 'page', event: undefined, name: p.name, category: p.category, properties },
              {
                page: { referrer: common.referrer, url: p.contextUrl?.href, title: p.contextTitle }
              }
            ),
            visitMapping,
            {
              endpoint: 'ce',
              params: attributable ? expected.params : undefined,
              userAgent: expectedUserAgent(common)
            }
          )
        }),
        { numRuns: NUM_RUNS }
      )
    },
    PROPERTY_TIMEOUT_MS
  )
})

/** The own entries of an object, `__proto__` included. */
function entriesOf(object: JsonObject): [string, Json][] {
  return Object.keys(object).map((k) => [k, object[k]])
}
