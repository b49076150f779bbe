import path from 'path'
import { PassThrough } from 'stream'
import type { DestinationDefinition } from '@segment/actions-core'
import definition from '../../src/destinations/woopra'
import { presetSubscriptions } from '../../src/delivery'
import { parseCli } from '../../src/replay/cli'
import { runReplay } from '../../src/replay/replay'
import { SlidingWindowLimit } from '../../bench/rate-limit'
import { expectIdentity, isSentType, numberedEvents, seqOf, removeTempDirs, tempDir, woopraStandIns, writeJsonLines } from '../__helpers__/replay' // prettier-ignore
import type { SinkRequest } from '../__helpers__/replay'

// A local Woopra that accepts at most N requests a second and answers 429 with Retry-After beyond: the replay must
// back off as a whole (every visitor's lane), not one visitor at a time. Asserted by counts and by the stand-in's own
// timestamps, never by how fast this machine is; the rate itself is measured by `npm run bench -- --replay`.

jest.setTimeout(120_000)

type Settings = { project: string }

const startWoopra = woopraStandIns()
afterAll(removeTempDirs)

const PER_SECOND = 20
const RETRY_AFTER_S = 2
const CONCURRENCY = 8

/** The 429s grouped into episodes: those less than half a second apart are one overload. */
function episodes(refused: SinkRequest[]): SinkRequest[][] {
  const groups: SinkRequest[][] = []
  for (const request of refused) {
    const last = groups[groups.length - 1]
    if (last && request.at - last[last.length - 1].at < 500) last.push(request)
    else groups.push([request])
  }
  return groups
}

describe('replay against a Woopra that limits the project to N requests a second', () => {
  it('delivers every event once with few 429s, and sends nothing on any lane during a Retry-After', async () => {
    const dir = tempDir()
    const events = numberedEvents(200, 60).filter(isSentType)
    writeJsonLines(path.join(dir, 'events.jsonl'), events)
    const limit = new SlidingWindowLimit(PER_SECOND)
    const refused: SinkRequest[] = []
    const sink = await startWoopra(
      (request) => {
        if (limit.take(request.at)) return { status: 200 }
        refused.push(request)
        return { status: 429, headers: { 'retry-after': String(RETRY_AFTER_S) } }
      },
      { lanes: CONCURRENCY }
    )
    const progress = new PassThrough()
    progress.resume()
    const summary = await runReplay<Settings>({
      inputs: [path.join(dir, 'events.jsonl')],
      definition: definition as DestinationDefinition<Settings>,
      settings: { project: 'example.com' },
      subscriptions: presetSubscriptions(definition),
      concurrency: CONCURRENCY,
      maxAttempts: 10,
      backoff: { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 30_000 },
      checkpointFile: path.join(dir, 'checkpoint.json'),
      deadLetterFile: path.join(dir, 'dead.jsonl'),
      appendDeadLetters: false,
      dedupeWindow: 1000,
      drainTimeoutMs: 30_000,
      progressStream: progress,
      progressIntervalMs: 60_000
    })

    expect(summary).toMatchObject({ read: events.length, delivered: events.length, deadLettered: 0 })
    expectIdentity(summary)
    for (const event of events) expect([seqOf(event), sink.delivered().get(seqOf(event))]).toEqual([seqOf(event), 1])
    const overloads = episodes(refused)
    // The first burst finds the limit; after it the replay stays under it: at most a few overloads, each no more than
    // the requests in flight together (without the governor: 150 or more refused here, one per lane and retry).
    expect(refused.length).toBeLessThanOrEqual(3 * CONCURRENCY)
    expect(overloads.length).toBeLessThanOrEqual(3)
    // Near N a second after the first pause (a loose bound: 40% of N; the bench measures the rate itself).
    const resumedAt = overloads[0][0].at + RETRY_AFTER_S * 1000
    const after = sink.requests.filter((request) => request.at >= resumedAt)
    const seconds = (after[after.length - 1].at - resumedAt) / 1000
    expect(after.length / seconds).toBeGreaterThan(0.4 * PER_SECOND)
    // After each overload's first 429, nothing reaches Woopra until its Retry-After is nearly over (the margins allow
    // for requests already on their way and a slow machine).
    for (const [first] of overloads) {
      const inside = sink.requests.filter((r) => r.at > first.at + 600 && r.at < first.at + RETRY_AFTER_S * 1000 - 100)
      expect({ after: first.at, inside: inside.map((r) => r.at) }).toEqual({ after: first.at, inside: [] })
    }
  })
})

describe('--max-retry-after', () => {
  const parse = (...flags: string[]) => parseCli(['--project', 'example.com', ...flags, 'e.jsonl'], {}, definition)

  it('bounds the pause a Retry-After may impose, in seconds', () => {
    expect(parse('--max-retry-after', '5')?.backoff).toEqual({ baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 5000 })
    expect(parse('--max-retry-after', '0.5')?.backoff.maxRetryAfterMs).toBe(500)
    // Without it, the delivery's default holds (60 s, or the backoff's maximum when longer).
    expect(parse()?.backoff.maxRetryAfterMs).toBeUndefined()
    expect(() => parse('--max-retry-after', 'soon')).toThrow(/^--max-retry-after takes a number above 0, not "soon"/)
    expect(() => parse('--max-retry-after', '0')).toThrow(/^--max-retry-after takes a number above 0/)
  })
})
