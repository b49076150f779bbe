import type http from 'http'
import { createTestEvent, createTestIntegration, IntegrationError, RetryableError } from '@segment/actions-core'
import type { SegmentEvent } from '@segment/actions-core'
import Destination from '../../src/destinations/woopra'
import { routeHttps, startStandIn } from '../../test/woopra-stand-in'
import type { ReceivedRequest, StandIn } from '../../test/woopra-stand-in'

// The destination against a real local server that misbehaves after (or instead of) a normal answer: every event
// must end, with success or a RetryableError, within the destination's 10 s deadline, and never crash the process.
// These run with the real deadline (no shortened timers): the cases that wait for it run concurrently, and every
// test has a generous Jest timeout.

jest.setTimeout(60_000)

const settings = { project: 'example.com' }
const OTHER_HOST = 'collector.example.net'

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void

/** How the stand-in answers, chosen by the event name, so that concurrent tests share one server. */
const answers: Record<string, Answer> = {}
let woopra: StandIn
let otherHost: StandIn
let unroute: () => void
const uncaught: unknown[] = []
const recordUncaught = (error: unknown) => uncaught.push(error)

beforeAll(async () => {
  woopra = await startStandIn((req, res, received) => answers[eventName(received)](req, res))
  otherHost = await startStandIn((_req, res) => res.end('followed'))
  unroute = routeHttps({ 'www.woopra.com': woopra.port, [OTHER_HOST]: otherHost.port })
  process.on('uncaughtException', recordUncaught)
})

afterAll(async () => {
  process.removeListener('uncaughtException', recordUncaught)
  unroute()
  await woopra.close()
  await otherHost.close()
})

/** A track event named after the stand-in's answer, with a pinned time. */
function trackEvent(name: string, properties: Record<string, string> = { plan: 'Pro' }): SegmentEvent {
  return createTestEvent({
    type: 'track',
    event: name,
    userId: 'user-42',
    anonymousId: 'anon-7',
    timestamp: '2024-03-05T10:20:30.456Z',
    properties,
    context: { ip: '203.0.113.9' }
  })
}

/** The event name of a request to Woopra: in the query of a GET, in the JSON body of a POST. */
function eventName(request: ReceivedRequest): string {
  return new URL(request.url, 'http://woopra').searchParams.get('event') ?? JSON.parse(request.body || '{}').event
}

/** The requests the stand-in received for one event name. */
function receivedFor(server: StandIn, name: string): ReceivedRequest[] {
  return server.received.filter((request) => eventName(request) === name)
}

/** The error the track action ends with, or undefined when it succeeds. */
function sendTrack(event: SegmentEvent) {
  // One test integration per event: concurrent tests must not share its list of responses.
  return createTestIntegration(Destination)
    .testAction('trackEvent', { event, settings, useDefaultMappings: true })
    .then(
      () => undefined,
      (error) => error
    )
}

describe('answers that misbehave after their headers', () => {
  it('reads an answer of 256 KB whole and succeeds (the cloned read used to hang from 64 KB on)', async () => {
    answers['Big Answer'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('x'.repeat(256 * 1024))
    }

    const responses = await createTestIntegration(Destination).testAction('trackEvent', {
      event: trackEvent('Big Answer'),
      settings,
      useDefaultMappings: true
    })

    expect(responses).toHaveLength(1)
    expect(responses[0].status).toBe(200)
    expect(responses[0].content).toHaveLength(256 * 1024)
    const received = receivedFor(woopra, 'Big Answer')
    expect(received).toHaveLength(1)
    expect(received[0].method).toBe('GET')
    expect(received[0].url).toBe(
      '/track/ce?project=example.com&event=Big+Answer&cookie=anon-7&cv_id=user-42&timestamp=1709634030456' +
        '&timeout=60000&ip=203.0.113.9&ce_plan=Pro'
    )
    expect(uncaught).toEqual([])
  })

  it('fails an answer larger than 1 MB as retryable (503) instead of reading it', async () => {
    answers['Huge Answer'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('x'.repeat(2 * 1024 * 1024))
    }

    const error = await sendTrack(trackEvent('Huge Answer'))

    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(503)
    expect(error.message).toBe("Woopra's answer to /track/ce was larger than 1048576 bytes")
    expect(uncaught).toEqual([])
  })

  it('ends a close mid-body of a chunked answer with a RetryableError 503 at once', async () => {
    answers['Chunked Close'] = (req, res) => {
      res.writeHead(200)
      res.write('abc', () => req.socket.destroy())
    }

    const error = await sendTrack(trackEvent('Chunked Close'))

    expect(error).toBeInstanceOf(RetryableError)
    expect(error.status).toBe(503)
    expect(error.message).toBe("Woopra's answer to /track/ce was cut off (ERR_STREAM_PREMATURE_CLOSE)")
    expect(uncaught).toEqual([])
  })

  const DEADLINE = [408, 'Woopra did not answer /track/ce in full within 10000 ms']

  it.concurrent.each<[string, Answer, Array<typeof DEADLINE>]>([
    [
      'headers followed by silence',
      (_req, res) => {
        res.writeHead(200, { 'content-length': '100' })
        res.write('abc')
      },
      [DEADLINE]
    ],
    [
      // node-fetch does not notice the early end of a body with a Content-Length: the deadline ends it.
      'a close mid-body of an answer with a declared length',
      (req, res) => {
        res.writeHead(200, { 'content-length': '100000' })
        res.write('abc', () => req.socket.end())
      },
      [DEADLINE]
    ],
    [
      // When Node reports the reset on the request, node-fetch fails the body at once (503, "cut off"); when it
      // reports it on the response only (a reset right behind the data), node-fetch never learns of it and the
      // deadline ends the event. Which one happens depends on how the data and the reset arrive.
      'a reset mid-body',
      (req, res) => {
        res.writeHead(200, { 'content-length': '100000' })
        res.write('abc', () => req.socket.resetAndDestroy())
      },
      [[503, "Woopra's answer to /track/ce was cut off (ECONNRESET)"], DEADLINE]
    ]
  ])('ends %s with a RetryableError within the 10 s deadline, and nothing escapes', async (name, answer, outcomes) => {
    answers[name] = answer

    const error = await sendTrack(trackEvent(name))

    expect(error).toBeInstanceOf(RetryableError)
    expect(outcomes).toContainEqual([error.status, error.message])
    expect(receivedFor(woopra, name)).toHaveLength(1)
    expect(uncaught).toEqual([])
  })
})

describe('redirects', () => {
  it('does not follow a 301 to another host: that host receives nothing, and the error names status and Location', async () => {
    answers['Moved'] = (_req, res) => {
      res.writeHead(301, { location: `https://${OTHER_HOST}/collect?cookie=anon-7&cv_id=user-42#top` })
      res.end()
    }

    const error = await sendTrack(trackEvent('Moved'))

    expect(error).toBeInstanceOf(IntegrationError)
    expect(error.status).toBe(301)
    expect(error.message).toBe(
      `Woopra answered 301 Moved Permanently to /track/ce, redirecting to Location https://${OTHER_HOST}/collect; redirects are not followed`
    )
    expect(receivedFor(woopra, 'Moved')).toHaveLength(1)
    expect(otherHost.received).toEqual([])
  })

  it.each([
    [302, 'Found'],
    [303, 'See Other']
  ])(
    'does not turn the POST of a long event into an empty GET on a %i: the error carries the status',
    async (status: number, statusText: string) => {
      const name = `Long Event ${status}`
      answers[name] = (_req, res) => {
        res.writeHead(status, { location: '/track/ce?moved=1' })
        res.end()
      }

      const error = await sendTrack(trackEvent(name, { notes: 'n'.repeat(9000) }))

      expect(error).toBeInstanceOf(IntegrationError)
      expect(error.status).toBe(status)
      expect(error.message).toBe(
        `Woopra answered ${status} ${statusText} to /track/ce, redirecting to Location https://www.woopra.com/track/ce; redirects are not followed`
      )
      const received = receivedFor(woopra, name)
      expect(received).toHaveLength(1)
      expect(received[0].method).toBe('POST')
      expect(received[0].url).toBe('/track/ce')
      expect(received[0].headers['content-type']).toBe('application/json')
      expect(JSON.parse(received[0].body)).toEqual({
        project: 'example.com',
        event: name,
        cookie: 'anon-7',
        cv_id: 'user-42',
        timestamp: '1709634030456',
        timeout: '60000',
        ip: '203.0.113.9',
        ce_notes: 'n'.repeat(9000)
      })
      // Nothing else reached Woopra's stand-in: the redirect was not followed as a GET.
      expect(woopra.received.filter((request) => request.url.startsWith('/track/ce?moved'))).toEqual([])
    }
  )
})
