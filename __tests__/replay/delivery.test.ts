import nock from 'nock'
import tls from 'tls'
import { mkdirSync, readFileSync, writeFileSync } from 'fs'
import { gzipSync } from 'zlib'
import path from 'path'
import { PassThrough } from 'stream'
import type { DestinationDefinition, SegmentEvent } from '@segment/actions-core'
import definition from '../../src/destinations/woopra'
import { presetSubscriptions } from '../../src/delivery'
import { loadCheckpoint } from '../../src/replay/checkpoint'
import { RecentIds } from '../../src/replay/recent-ids'
import { runReplay } from '../../src/replay/replay'
import type { ReplayOptions, ReplaySummary } from '../../src/replay/replay'
import { expectIdentity, isSentType, numberedEvents, seqOf, removeTempDirs, tempDir, woopraStandIns, writeJsonLines } from '../__helpers__/replay' // prettier-ignore
import type { Answer, SinkRequest } from '../__helpers__/replay'

// The replay in process against a local stand-in for Woopra (the bench's redirect sends www.woopra.com there): what
// reaches Woopra, in which order, what is retried, what is dead-lettered, and that every record is accounted for.

jest.setTimeout(60_000)

type Settings = { project: string }

const startWoopra = woopraStandIns()

async function replay(
  inputs: string[],
  answer: (request: SinkRequest) => Answer,
  overrides: Partial<ReplayOptions<Settings>> = {}
) {
  // A dry run must send nothing: without the redirect, a request that escaped would meet nock's ban on the network.
  const sink = await startWoopra(answer, { lanes: 16, redirect: !overrides.dryRunOutput })
  const dir = tempDir()
  const progress = new PassThrough()
  progress.resume()
  const summary: ReplaySummary = await runReplay<Settings>({
    inputs,
    definition: definition as DestinationDefinition<Settings>,
    settings: { project: 'example.com' },
    subscriptions: presetSubscriptions(definition),
    concurrency: 8,
    maxAttempts: 4,
    backoff: { baseMs: 10, maxMs: 50, maxRetryAfterMs: 1500 },
    checkpointFile: path.join(dir, 'checkpoint.json'),
    deadLetterFile: path.join(dir, 'dead.jsonl'),
    appendDeadLetters: false,
    dedupeWindow: 1000,
    drainTimeoutMs: 30_000,
    progressStream: progress,
    progressIntervalMs: 60_000,
    ...overrides
  })
  const deadText = readFileSync(path.join(dir, 'dead.jsonl'), 'utf8')
  const deadLetters = deadText === '' ? [] : deadText.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) // prettier-ignore
  return { summary, deadLetters, requests: sink.requests, sink: sink, dir }
}

/** Each visitor's events in the order they reached Woopra must be in the archive's order. */
function expectPerVisitorOrder(requests: SinkRequest[], events: SegmentEvent[]) {
  const visitorOfSeq = new Map(events.map((event) => [seqOf(event), visitorOf(event)]))
  const lastSeq = new Map<string, number>()
  for (const request of requests) {
    if (request.seq === undefined) continue
    const visitor = visitorOfSeq.get(request.seq) as string
    const previous = lastSeq.get(visitor) ?? 0
    expect({ visitor, seq: request.seq, after: previous, ok: request.seq >= previous }).toEqual({ visitor, seq: request.seq, after: previous, ok: true }) // prettier-ignore
    lastSeq.set(visitor, request.seq)
  }
}

function visitorOf(event: SegmentEvent): string {
  return event.userId ?? (event.integrations?.Woopra as { cookie?: string } | undefined)?.cookie ?? event.anonymousId ?? '' // prettier-ignore
}

afterAll(removeTempDirs)

describe('replay against a local Woopra', () => {
  it('delivers a mixed archive (folders, gzip, a JSON array) exactly once per event, in order per visitor', async () => {
    const dir = tempDir()
    const events = numberedEvents(600, 12)
    mkdirSync(path.join(dir, 'archive/2024/01'), { recursive: true })
    writeJsonLines(path.join(dir, 'archive/2024/01/part-1.jsonl'), events.slice(0, 200))
    writeJsonLines(path.join(dir, 'archive/2024/01/part-2.gz'), events.slice(200, 400), true)
    writeFileSync(path.join(dir, 'archive/2024/part-3.json'), JSON.stringify(events.slice(400, 600), null, 2))
    // Answers come back in a shuffled order: later requests of other visitors overtake earlier ones.
    const { summary, deadLetters, requests, sink } = await replay([path.join(dir, 'archive')], (request) => ({
      status: 200,
      delayMs: ((request.seq ?? 0) * 7) % 23
    }))

    const sent = events.filter(isSentType)
    expect(summary).toMatchObject({ read: 600, delivered: sent.length, skipped: 600 - sent.length, deadLettered: 0, retries: 0, complete: true }) // prettier-ignore
    expectIdentity(summary)
    expect(deadLetters).toEqual([])
    expect(requests).toHaveLength(sent.length)
    expect([...sink.delivered().entries()].sort((a, b) => a[0] - b[0])).toEqual(sent.map((event) => [seqOf(event), 1]))
    expectPerVisitorOrder(requests, events)

    // The exact wire of the first event of each kind.
    const bySeq = new Map(requests.map((request) => [request.seq, request]))
    expect(bySeq.get(1)).toMatchObject({ method: 'GET', host: 'www.woopra.com', path: '/track/ce', userAgent: 'Segment (Actions)' }) // prettier-ignore
    expect(Object.fromEntries((bySeq.get(1) as SinkRequest).query)).toEqual({
      project: 'example.com',
      event: 'Order Completed',
      cookie: 'anon-1',
      timestamp: String(Date.UTC(2024, 0, 1) + 1000),
      timeout: '60000',
      ce_seq: '1',
      ce_revenue: '0.1'
    })
    expect((bySeq.get(2) as SinkRequest).path).toBe('/track/identify')
    expect(Object.fromEntries((bySeq.get(2) as SinkRequest).query)).toEqual({
      project: 'example.com',
      cookie: 'cookie-2',
      timestamp: String(Date.UTC(2024, 0, 1) + 2000),
      timeout: '60000',
      cv_seq: '2',
      cv_plan: 'pro'
    })
    expect(Object.fromEntries((bySeq.get(4) as SinkRequest).query)).toMatchObject({ event: 'pv', ce_url: '/p/4', ce_title: 'Home', ce_seq: '4' }) // prettier-ignore
  })

  it('retries 500 then 200, 429 with Retry-After, a reset; dead-letters a 400 and a corrupt line; goes on', async () => {
    const dir = tempDir()
    const events = numberedEvents(40, 5).filter(isSentType)
    const lines: unknown[] = [...events.slice(0, 10), '{"type":"track", not json', ...events.slice(10)]
    writeJsonLines(path.join(dir, 'events.jsonl'), lines)
    const fault = new Map<number, (attempt: number) => Answer>([
      [seqOf(events[0]), (attempt) => (attempt === 0 ? { status: 500 } : { status: 200 })],
      [seqOf(events[1]), (attempt) => (attempt === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 })], // prettier-ignore
      [seqOf(events[2]), () => ({ status: 400 })],
      [seqOf(events[3]), (attempt) => (attempt === 0 ? { reset: true } : { status: 200 })],
      [seqOf(events[4]), (attempt) => (attempt < 2 ? { status: 503 } : { status: 200 })]
    ])
    const { summary, deadLetters, requests, sink } = await replay(
      [path.join(dir, 'events.jsonl')],
      (request) =>
      request.seq !== undefined && fault.has(request.seq) ? (fault.get(request.seq) as (a: number) => Answer)(request.attempt) : { status: 200 } // prettier-ignore
    )

    expect(summary).toMatchObject({ read: events.length + 1, delivered: events.length - 1, skipped: 0, deadLettered: 2, retries: 5 }) // prettier-ignore
    expectIdentity(summary)
    const attemptsOf = (seq: number) => requests.filter((request) => request.seq === seq).length
    expect(events.slice(0, 5).map((event) => attemptsOf(seqOf(event)))).toEqual([2, 2, 1, 2, 3])
    for (const event of events) expect(sink.delivered().get(seqOf(event))).toBe(event === events[2] ? undefined : 1)
    // The retry after 429 waited for Retry-After (1 s), not the 10–50 ms backoff.
    const tooMany = requests.filter((request) => request.seq === seqOf(events[1]))
    expect(tooMany[1].at - tooMany[0].at).toBeGreaterThanOrEqual(950)

    expect(deadLetters.sort((a, b) => (a.record as number) - (b.record as number))).toEqual([
      {
        source: path.join(dir, 'events.jsonl'),
        line: 3,
        record: 3,
        event: events[2],
        errorClass: 'IntegrationError',
        status: 400,
        message: expect.stringContaining('400') as unknown,
        attempts: 1,
        time: expect.any(String) as unknown
      },
      {
        source: path.join(dir, 'events.jsonl'),
        line: 11,
        record: 11,
        text: '{"type":"track", not json',
        errorClass: 'SyntaxError',
        message: expect.stringMatching(/^The record is not JSON: /) as unknown,
        attempts: 0,
        time: expect.any(String) as unknown
      }
    ])
  })

  it('gives up after --max-attempts and dead-letters the event with the last failure', async () => {
    const dir = tempDir()
    const events = numberedEvents(3, 3).filter(isSentType)
    writeJsonLines(path.join(dir, 'events.jsonl'), events)
    const { summary, deadLetters, requests } = await replay([path.join(dir, 'events.jsonl')], () => ({ status: 503 }), { maxAttempts: 3 }) // prettier-ignore
    expect(summary).toMatchObject({ read: events.length, delivered: 0, deadLettered: events.length, retries: 2 * events.length }) // prettier-ignore
    expectIdentity(summary)
    expect(requests).toHaveLength(3 * events.length)
    expect(deadLetters.map((letter) => [letter.errorClass, letter.status, letter.attempts])).toEqual(events.map(() => ['IntegrationError', 503, 3])) // prettier-ignore
  })

  it('retries an answer cut mid-body by a reset, and one that stalls after its headers; dead-letters a redirect', async () => {
    const dir = tempDir()
    const events = numberedEvents(6, 6).filter(isSentType)
    writeJsonLines(path.join(dir, 'events.jsonl'), events)
    const [reset, stalled, redirected] = events.map(seqOf)
    const { summary, requests, sink, deadLetters } = await replay([path.join(dir, 'events.jsonl')], (request) => {
      if (request.seq === reset && request.attempt === 0) return { cutBody: 'reset' }
      if (request.seq === stalled && request.attempt === 0) return { cutBody: 'stall' }
      if (request.seq === redirected) return { status: 301, headers: { location: 'https://elsewhere.example/track?x=1' } } // prettier-ignore
      return { status: 200 }
    })
    expect(summary).toMatchObject({ read: events.length, delivered: events.length - 1, deadLettered: 1, retries: 2 })
    expectIdentity(summary)
    expect(requests.filter((request) => request.seq === reset)).toHaveLength(2)
    expect(requests.filter((request) => request.seq === stalled)).toHaveLength(2)
    expect(requests.filter((request) => request.seq === redirected)).toHaveLength(1)
    expect(requests.every((request) => request.host === 'www.woopra.com')).toBe(true)
    for (const seq of [reset, stalled]) expect(sink.delivered().get(seq)).toBe(1) // the answer that came whole
    expect(deadLetters).toMatchObject([{ record: 3, errorClass: 'IntegrationError', status: 301, attempts: 1 }])
  })

  it('retries an answer that never comes, after the request timeout', async () => {
    const dir = tempDir()
    const events = numberedEvents(3, 3).filter(isSentType)
    writeJsonLines(path.join(dir, 'events.jsonl'), events)
    const hung = seqOf(events[0])
    const { summary, requests, sink } = await replay([path.join(dir, 'events.jsonl')], (request) =>
      request.seq === hung && request.attempt === 0 ? { hang: true } : { status: 200 }
    )
    expect(summary).toMatchObject({ read: events.length, delivered: events.length, deadLettered: 0, retries: 1 })
    expectIdentity(summary)
    expect(requests.filter((request) => request.seq === hung)).toHaveLength(2)
    expect(sink.delivered().get(hung)).toBe(1)
  })

  it('skips what no subscription takes, what integrations turn off, what the browser tracker sent, and duplicate message IDs', async () => {
    const dir = tempDir()
    const [track] = numberedEvents(1, 1)
    const lines = [
      track,
      { ...track, properties: { seq: 99 } }, // the same messageId again: Segment would not deliver it twice
      { type: 'alias', userId: 'u1', previousId: 'a1', messageId: 'alias-1' },
      { ...track, messageId: 'off-1', integrations: { Woopra: false } },
      { ...track, messageId: 'off-2', integrations: { All: false } },
      { ...track, messageId: 'on-1', integrations: { All: false, Woopra: true }, properties: { seq: 2 } },
      // Marked by the Woopra cookie plugin: Woopra's browser tracker sent the first itself, the second is left to us.
      { ...track, messageId: 'tracker-1', context: { Woopra: { sentBy: 'tracker' } } },
      { ...track, messageId: 'cloud-1', context: { Woopra: { sentBy: 'cloud' } }, properties: { seq: 3 } },
      42,
      { event: 'no type', userId: 'u1' }
    ]
    writeJsonLines(path.join(dir, 'events.jsonl'), lines)
    const { summary, requests, deadLetters } = await replay([path.join(dir, 'events.jsonl')], () => ({ status: 200 }))
    expect(summary).toMatchObject({ read: 10, delivered: 3, skipped: 5, skippedDuplicates: 1, skippedDisabled: 2, skippedSentByTracker: 1, deadLettered: 2 }) // prettier-ignore
    expectIdentity(summary)
    expect(requests.map((request) => request.seq)).toEqual([1, 2, 3])
    expect(deadLetters.map((letter) => [letter.record, letter.errorClass, letter.event])).toEqual([
      [9, 'InvalidEvent', 42],
      [10, 'InvalidEvent', { event: 'no type', userId: 'u1' }]
    ])
  })

  it('dead-letters the unreadable rest of a cut gzip once, after the events before the damage, and goes on', async () => {
    const dir = tempDir()
    const events = numberedEvents(400, 10).filter(isSentType)
    const zipped = gzipSync(
      events
        .slice(0, 300)
        .map((event) => JSON.stringify(event))
        .join('\n')
    )
    writeFileSync(path.join(dir, 'a-cut.jsonl.gz'), zipped.subarray(0, zipped.length - 30))
    writeJsonLines(path.join(dir, 'b.jsonl'), events.slice(300))
    const { summary, deadLetters, sink } = await replay([dir], () => ({ status: 200 }))
    expectIdentity(summary)
    expect(summary.deadLettered).toBe(1)
    expect(deadLetters).toEqual([
      expect.objectContaining({
        source: path.join(dir, 'a-cut.jsonl.gz'),
        errorClass: 'Z_BUF_ERROR',
        message: expect.stringMatching(/^The rest of this source could not be read: unexpected end of file/) as unknown
      })
    ])
    const delivered = sink.delivered()
    expect(summary.delivered).toBe(delivered.size)
    expect(delivered.size).toBeGreaterThan(100 + (events.length - 300))
    for (const event of events.slice(300)) expect(delivered.get(seqOf(event))).toBe(1)
  })

  it('dead-letters an event nested too deeply to write back as JSON by its source and line, and goes on', async () => {
    const dir = tempDir()
    const events = numberedEvents(6, 3).filter(isSentType)
    // 600 KB, under the record bound: JSON.parse takes it, JSON.stringify overflows the stack on it.
    const depth = 300_000
    const deep = `{"type":"track","event":"Deep","userId":"deep-1","properties":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}` // prettier-ignore
    writeJsonLines(path.join(dir, 'events.jsonl'), [events[0], deep, ...events.slice(1)])
    const { summary, deadLetters, sink } = await replay([path.join(dir, 'events.jsonl')], () => ({ status: 200 }))
    expect(summary).toMatchObject({ read: events.length + 1, delivered: events.length, deadLettered: 1, complete: true }) // prettier-ignore
    expectIdentity(summary)
    for (const event of events) expect(sink.delivered().get(seqOf(event))).toBe(1)
    expect(deadLetters).toEqual([
      {
        source: path.join(dir, 'events.jsonl'),
        line: 2,
        record: 2,
        errorClass: expect.any(String) as unknown,
        message: expect.stringMatching(/\(the event could not be written here: .+; it is at its source and line\)$/) as unknown, // prettier-ignore
        attempts: expect.any(Number) as unknown,
        time: expect.any(String) as unknown
      }
    ])
  })

  it('--limit sends a sample; --resume sends the rest, its deduplication window refilled from what was settled', async () => {
    const dir = tempDir()
    const events = numberedEvents(20, 4).filter(isSentType)
    const repeat = { ...events[0], properties: { seq: 99 } } // events[0]'s messageId again, after the sample
    writeJsonLines(path.join(dir, 'events.jsonl'), [...events.slice(0, 10), repeat, ...events.slice(10)])
    const checkpointFile = path.join(dir, 'checkpoint.json')
    const inputs = [path.join(dir, 'events.jsonl')]

    const sample = await replay(inputs, () => ({ status: 200 }), { checkpointFile, limit: 7 })
    expect(sample.summary).toMatchObject({ read: 7, delivered: 7, complete: false })
    expect(sample.requests.map((request) => request.seq).sort((a = 0, b = 0) => a - b)).toEqual(events.slice(0, 7).map(seqOf)) // prettier-ignore

    const rest = await replay(inputs, () => ({ status: 200 }), { checkpointFile, previous: loadCheckpoint(checkpointFile) }) // prettier-ignore
    expect(rest.summary).toMatchObject({ read: events.length + 1 - 7, alreadySettled: 7, delivered: events.length - 7, skippedDuplicates: 1, complete: true }) // prettier-ignore
    expectIdentity(rest.summary)
    expect(rest.requests.map((request) => request.seq).sort((a = 0, b = 0) => a - b)).toEqual(events.slice(7).map(seqOf)) // prettier-ignore
  })

  it('--dedupe-window 0 sends a repeated messageId again', async () => {
    const dir = tempDir()
    const [track] = numberedEvents(1, 1)
    writeJsonLines(path.join(dir, 'events.jsonl'), [track, { ...track, properties: { seq: 2 } }])
    const { summary, requests } = await replay([path.join(dir, 'events.jsonl')], () => ({ status: 200 }), { dedupeWindow: 0 }) // prettier-ignore
    expect(summary).toMatchObject({ read: 2, delivered: 2, skippedDuplicates: 0 })
    expect(requests.map((request) => request.seq).sort()).toEqual([1, 2])
  })

  it('the deduplication window forgets the oldest messageId: a repeat further back than the window is sent', async () => {
    const window = new RecentIds(2)
    expect(['m1', 'm2', 'm3'].map((id) => window.seen(id))).toEqual([false, false, false])
    expect(window.size).toBe(2)
    expect([window.seen('m1'), window.seen('m3')]).toEqual([false, true])

    const dir = tempDir()
    const tracks = numberedEvents(5, 1).filter(isSentType)
    const ids = ['m1', 'm2', 'm3', 'm1', 'm3'] // the second m1 three events after the first; the second m3 two after
    writeJsonLines(path.join(dir, 'events.jsonl'), tracks.slice(0, 5).map((event, index) => ({ ...event, messageId: ids[index] }))) // prettier-ignore
    const { summary, requests } = await replay([path.join(dir, 'events.jsonl')], () => ({ status: 200 }), { dedupeWindow: 2 }) // prettier-ignore
    expect(summary).toMatchObject({ read: 5, delivered: 4, skippedDuplicates: 1 })
    expect(requests.map((request) => request.seq).sort()).toEqual(tracks.slice(0, 4).map(seqOf))
  })

  it('sends through the subscriptions given instead of the presets, with their mappings', async () => {
    const dir = tempDir()
    const events = numberedEvents(14, 7)
    writeJsonLines(path.join(dir, 'events.jsonl'), events)
    const subscriptions = [
      {
        subscribe: 'type = "track" and event = "Order Completed"',
        partnerAction: 'trackEvent',
        mapping: { event_name: 'purchase', user_id: { '@path': '$.anonymousId' }, properties: { seq: { '@path': '$.properties.seq' } } } // prettier-ignore
      }
    ]
    const { summary, requests } = await replay([path.join(dir, 'events.jsonl')], () => ({ status: 200 }), { subscriptions }) // prettier-ignore
    const tracks = events.filter((event) => event.type === 'track')
    expect(summary).toMatchObject({ read: 14, delivered: tracks.length, skipped: 14 - tracks.length, deadLettered: 0 })
    expectIdentity(summary)
    expect(
      requests.map((request) => Object.fromEntries(request.query)).sort((a, b) => Number(a.ce_seq) - Number(b.ce_seq))
    ).toEqual(
      // prettier-ignore
      tracks.map((event) => ({ project: 'example.com', event: 'purchase', cv_id: event.anonymousId, timeout: '60000', ce_seq: String(seqOf(event)) })) // prettier-ignore
    )
  })

  it('reads standard input, and writes requests instead of sending them in a dry run', async () => {
    // nock sits in front of the agent: let requests to Woopra past it, so that what answers is the dry run; were the
    // dry run broken, the TLS spy keeps the request off the network and fails the test.
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host === 'www.woopra.com:443')
    const tlsConnect = jest.spyOn(tls, 'connect').mockImplementation(() => {
      throw new Error('Dry run opened a TLS connection')
    })
    const events = numberedEvents(20, 4)
    const stdin = new PassThrough()
    stdin.end(events.map((event) => JSON.stringify(event)).join('\n'))
    const output = new PassThrough()
    const written: Buffer[] = []
    output.on('data', (chunk: Buffer) => written.push(chunk))
    const { summary, requests } = await replay(['-'], () => ({ status: 500 }), { stdin, dryRunOutput: output, checkpointFile: undefined }) // prettier-ignore
    expect(requests).toEqual([])
    const sent = events.filter(isSentType)
    expect(summary).toMatchObject({ read: 20, delivered: sent.length, skipped: 20 - sent.length, deadLettered: 0 })
    expectIdentity(summary)
    const lines = Buffer.concat(written).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; record: number; messageId: string; method: string; url: string; headers: Record<string, string> }) // prettier-ignore
    expect(lines.map((line) => line.record).sort((a, b) => a - b)).toEqual(sent.map((event) => seqOf(event)))
    const first = lines.find((line) => line.record === 1)
    expect(first).toMatchObject({ source: '-', messageId: 'msg-1', method: 'GET' })
    expect(first?.url).toBe(
      `https://www.woopra.com/track/ce?project=example.com&event=Order+Completed&cookie=anon-1&timestamp=${Date.UTC(2024, 0, 1) + 1000}&timeout=60000&ce_seq=1&ce_revenue=0.1` // prettier-ignore
    )
    expect(first?.headers['user-agent']).toBe('Segment (Actions)')
    expect(tlsConnect).not.toHaveBeenCalled()
    tlsConnect.mockRestore()
    nock.enableNetConnect('127.0.0.1')
  })
})
