import nock from 'nock'
import { createTestEvent, createTestIntegration } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import Destination from '../../index'
import { WOOPRA, settings, TIMESTAMP, TIMESTAMP_MS, queryOf, endpointOf } from '../../__tests__/__helpers__/wire'

const testDestination = createTestIntegration(Destination)

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'

function identifyEvent(overrides: Partial<SegmentEvent> = {}): SegmentEvent {
  return createTestEvent({
    type: 'identify',
    event: undefined,
    userId: 'user-42',
    anonymousId: 'anon-7',
    timestamp: TIMESTAMP,
    traits: {},
    context: {
      ip: '203.0.113.9',
      locale: 'en-GB',
      userAgent: USER_AGENT,
      page: { url: 'https://example.com/account', referrer: 'https://news.example.org/' }
    },
    ...overrides
  })
}

/** The parameters every identify request below carries besides its visitor properties. */
const visit = {
  project: 'example.com',
  cookie: 'anon-7',
  cv_id: 'user-42',
  timestamp: TIMESTAMP_MS,
  timeout: '60000',
  ip: '203.0.113.9',
  referer: 'https://news.example.org/',
  language: 'en-GB'
}

async function identify(event: SegmentEvent) {
  nock(WOOPRA).get('/track/identify').query(true).reply(200, '')
  const responses = await testDestination.testAction('identifyUser', { event, settings, useDefaultMappings: true })
  expect(responses).toHaveLength(1)
  expect(responses[0].options.method).toBe('GET')
  expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/identify')
  return responses[0]
}

describe('Woopra.identifyUser', () => {
  it('sends an identify with the default mappings to /track/identify with every trait as cv_<key>', async () => {
    const response = await identify(
      identifyEvent({
        traits: {
          email: 'ada@example.com',
          name: 'Ada Lovelace',
          plan: 'Enterprise',
          age: 36,
          score: 4.75,
          vip: true,
          churned: false,
          address: { city: 'London', postalCode: 'W1' },
          tags: ['math', 'engines'],
          createdAt: '2015-11-04T09:20:22Z',
          deletedAt: null,
          nickname: ''
        }
      })
    )

    expect(response.status).toBe(200)
    expect(queryOf(response)).toEqual({
      ...visit,
      cv_email: 'ada@example.com',
      cv_name: 'Ada Lovelace',
      cv_plan: 'Enterprise',
      cv_age: '36',
      cv_score: '4.75',
      cv_vip: 'true',
      cv_churned: 'false',
      cv_address: '{"city":"London","postalCode":"W1"}',
      cv_tags: '["math","engines"]',
      cv_createdAt: '1446628822000'
    })
    expect(response.request.headers.get('user-agent')).toBe(USER_AGENT)
    expect(await response.request.text()).toBe('')
  })

  it('takes the cookie from integrations.Woopra.cookie and the visit timeout from context.Woopra.timeout', async () => {
    const response = await identify(
      identifyEvent({
        integrations: { Woopra: { cookie: 'amyJ0K8meemG' } } as unknown as SegmentEvent['integrations'],
        context: { userAgent: USER_AGENT, Woopra: { timeout: 30000 } },
        traits: { email: 'ada@example.com' }
      })
    )

    expect(queryOf(response)).toEqual({
      project: 'example.com',
      cookie: 'amyJ0K8meemG',
      cv_id: 'user-42',
      cv_email: 'ada@example.com',
      timestamp: TIMESTAMP_MS,
      timeout: '30000'
    })
  })

  it('builds cv_name from firstName and lastName when there is no name trait', async () => {
    const response = await identify(identifyEvent({ traits: { firstName: 'Grace', lastName: 'Hopper' } }))

    expect(queryOf(response)).toEqual({
      ...visit,
      cv_name: 'Grace Hopper',
      cv_firstName: 'Grace',
      cv_lastName: 'Hopper'
    })
  })

  it('builds cv_name from first_name and last_name, and from a first name alone', async () => {
    const snake = await identify(identifyEvent({ traits: { first_name: 'Alan', last_name: 'Turing' } }))
    expect(queryOf(snake)).toEqual({ ...visit, cv_name: 'Alan Turing', cv_first_name: 'Alan', cv_last_name: 'Turing' })

    const firstOnly = await identify(identifyEvent({ traits: { firstName: 'Linus' } }))
    expect(queryOf(firstOnly)).toEqual({ ...visit, cv_name: 'Linus', cv_firstName: 'Linus' })

    const lastOnly = await identify(identifyEvent({ traits: { lastName: 'Hamilton' } }))
    expect(queryOf(lastOnly)).toEqual({ ...visit, cv_name: 'Hamilton', cv_lastName: 'Hamilton' })
  })

  it('prefers the name trait over first and last name for cv_name', async () => {
    const response = await identify(
      identifyEvent({ traits: { name: 'Margaret H. Hamilton', firstName: 'Margaret', lastName: 'Hamilton' } })
    )

    expect(queryOf(response)).toEqual({
      ...visit,
      cv_name: 'Margaret H. Hamilton',
      cv_firstName: 'Margaret',
      cv_lastName: 'Hamilton'
    })
  })

  it('sends the user id as cv_id even when the traits hold an id of their own', async () => {
    const response = await identify(identifyEvent({ traits: { id: 'crm-123', company: 'Acme' } }))

    expect(queryOf(response)).toEqual({ ...visit, cv_company: 'Acme' })
  })

  it('sends cv_name and cv_email once, from their fields, when the traits hold other values under those names', async () => {
    nock(WOOPRA).get('/track/identify').query(true).reply(200, '')

    const responses = await testDestination.testAction('identifyUser', {
      event: identifyEvent({
        traits: { name: 'ada', email: 'old@example.com' },
        context: { userAgent: USER_AGENT, traits: { email: 'new@example.com' } }
      }),
      settings,
      useDefaultMappings: true,
      mapping: { name: 'Ada Lovelace', email: { '@path': '$.context.traits.email' } }
    })

    const entries = [...new URL(responses[0].request.url).searchParams]
    expect(entries.filter(([key]) => key === 'cv_name')).toEqual([['cv_name', 'Ada Lovelace']])
    expect(entries.filter(([key]) => key === 'cv_email')).toEqual([['cv_email', 'new@example.com']])
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      cookie: 'anon-7',
      cv_id: 'user-42',
      cv_email: 'new@example.com',
      cv_name: 'Ada Lovelace',
      timestamp: TIMESTAMP_MS,
      timeout: '60000'
    })
  })

  it('identifies a visitor known only by email', async () => {
    const response = await identify(
      identifyEvent({ userId: undefined, anonymousId: undefined, traits: { email: 'only@example.com' } })
    )

    expect(queryOf(response)).toEqual({
      project: 'example.com',
      cv_email: 'only@example.com',
      timestamp: TIMESTAMP_MS,
      timeout: '60000',
      ip: '203.0.113.9',
      referer: 'https://news.example.org/',
      language: 'en-GB'
    })
  })

  it('sends a custom mapping: other sources for the identifiers, visit properties as cs_<key>, a literal timeout', async () => {
    nock(WOOPRA).get('/track/identify').query(true).reply(200, '')

    const responses = await testDestination.testAction('identifyUser', {
      event: identifyEvent({
        userId: 'user-42',
        traits: { crmId: 'crm-9', contact: { mail: 'ops@example.com' }, profile: { tier: 'gold', seats: 12 } },
        context: {
          userAgent: USER_AGENT,
          device: { id: 'device-1' },
          campaign: { name: 'Spring', source: 'newsletter', medium: 'email', term: '', content: 'hero' }
        }
      }),
      settings,
      mapping: {
        cookie: { '@path': '$.context.device.id' },
        user_id: { '@path': '$.traits.crmId' },
        email: { '@path': '$.traits.contact.mail' },
        name: 'Ops Team',
        traits: { '@path': '$.traits.profile' },
        timeout: 300000,
        visit_properties: { '@path': '$.context.campaign' }
      }
    })

    expect(responses).toHaveLength(1)
    expect(endpointOf(responses[0])).toBe('https://www.woopra.com/track/identify')
    expect(queryOf(responses[0])).toEqual({
      project: 'example.com',
      cookie: 'device-1',
      cv_id: 'crm-9',
      cv_email: 'ops@example.com',
      cv_name: 'Ops Team',
      timeout: '300000',
      cv_tier: 'gold',
      cv_seats: '12',
      cs_name: 'Spring',
      cs_source: 'newsletter',
      cs_medium: 'email',
      cs_content: 'hero'
    })
    // The user agent field is not mapped: the request client's own user agent goes out.
    expect(responses[0].request.headers.get('user-agent')).toBe('Segment (Actions)')
  })
})
