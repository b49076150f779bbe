import { statSync } from 'fs'
import path from 'path'
import { PassThrough } from 'stream'
import type { DestinationDefinition } from '@segment/actions-core'
import definition from '../../src/destinations/woopra'
import { presetSubscriptions } from '../../src/delivery'
import { Progress } from '../../src/replay/progress'
import type { Counts } from '../../src/replay/progress'
import { runReplay } from '../../src/replay/replay'
import { emptyCounts, Settlement } from '../../src/replay/settlement'
import { listSources, readRecords } from '../../src/replay/sources'
import { USAGE } from '../../src/replay/cli'
import { numberedEvents, removeTempDirs, tempDir, writeJsonLines } from '../__helpers__/replay'

// Honest progress: the estimated total from the bytes read holds still while events come at a steady pace (gzip
// included), --limit ends the bar at 100%, a dry run says what it would send, and eventsPerSecond counts deliveries.

jest.setTimeout(60_000)
afterAll(removeTempDirs)

function progressOf(counts: () => Counts, options: { totalBytes?: number; limit?: number; dryRun?: boolean } = {}) {
  const stream = Object.assign(new PassThrough(), { isTTY: false })
  stream.resume()
  return new Progress({ stream, intervalMs: 60_000, counts, inFlight: () => 0, ...options })
}

describe('progress', () => {
  it.each([true, false])(
    'estimates the total within ±20%% from the first 5%% of the records on (gzipped files: %s)',
    async (gzip) => {
      const dir = tempDir()
      // Large enough that one read-ahead (256 KB) holds thousands of events (gzip compresses these ten times over).
      writeJsonLines(path.join(dir, 'part-a'), numberedEvents(30_000, 40), gzip)
      writeJsonLines(path.join(dir, 'part-b'), numberedEvents(8_000, 40), gzip)
      writeJsonLines(path.join(dir, 'part-c'), numberedEvents(12_000, 40), gzip)
      const sources = await listSources([dir])
      const totalBytes = sources.reduce((sum, source) => sum + (source.bytes ?? 0), 0)
      expect(statSync(path.join(dir, 'part-a')).size).toBeGreaterThan(256 * 1024)
      const counts = emptyCounts()
      const progress = progressOf(() => counts, { totalBytes })
      const estimates: number[] = []
      for (const source of sources) {
        for await (const _record of readRecords(source, (bytes) => (counts.bytesRead += bytes))) {
          counts.read++
          if (counts.read >= 2500 && counts.read % 100 === 0) estimates.push(progress.estimatedTotal(counts) as number)
        }
      }
      expect(counts.bytesRead).toBe(totalBytes)
      const outside = estimates.filter((estimate) => estimate < 50_000 * 0.8 || estimate > 50_000 * 1.2)
      expect({ outside: outside.length, min: Math.min(...estimates), max: Math.max(...estimates) }).toEqual({ outside: 0, min: expect.any(Number), max: expect.any(Number) }) // prettier-ignore
    }
  )

  it('caps the estimate at --limit, and the bar ends at 100% when the limit is reached', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'events.jsonl'), numberedEvents(1000, 10))
    const written: string[] = []
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 200 })
    terminal.on('data', (chunk: Buffer) => written.push(chunk.toString('utf8')))
    const summary = await runReplay({
      inputs: [dir],
      definition: definition as DestinationDefinition<{ project: string }>,
      settings: { project: 'example.com' },
      subscriptions: presetSubscriptions(definition),
      concurrency: 4,
      maxAttempts: 1,
      backoff: { baseMs: 10, maxMs: 10 },
      deadLetterFile: path.join(dir, 'dead.jsonl'),
      appendDeadLetters: false,
      dryRunOutput: new PassThrough().resume(),
      limit: 300,
      dedupeWindow: 0,
      drainTimeoutMs: 10_000,
      progressStream: terminal,
      progressIntervalMs: 60_000
    })
    expect(summary).toMatchObject({ read: 300, complete: false, dryRun: true })
    // eslint-disable-next-line no-control-regex
    const lastBar = written.join('').replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').split(/\r|\n/).filter((line) => line.includes('%')).pop() // prettier-ignore
    expect(lastBar).toMatch(/ 100% \| 300 of ~300 events \| would send \d+\/s \|/)
    const counts = { ...emptyCounts(), read: 50, bytesRead: 1000 }
    expect(progressOf(() => counts, { totalBytes: 100_000, limit: 300 }).estimatedTotal(counts)).toBe(300)
    expect(progressOf(() => counts, { totalBytes: 100_000 }).estimatedTotal(counts)).toBe(5000)
  })

  it('says "would send" in a dry run, not "delivered"', () => {
    const counts = { ...emptyCounts(), read: 10, delivered: 7, skipped: 3 }
    const dry = progressOf(() => counts, { dryRun: true }).line(counts)
    expect(dry).toMatchObject({ wouldSend: 7, skipped: 3 })
    expect(dry).not.toHaveProperty('delivered')
    expect(progressOf(() => counts).line(counts)).toMatchObject({ delivered: 7 })
  })

  it('counts deliveries only in eventsPerSecond, as --help says', () => {
    const dir = tempDir()
    const settlement = new Settlement({ deadLetterFile: path.join(dir, 'dead.jsonl'), appendDeadLetters: false, dryRun: false, onSettled: () => undefined }) // prettier-ignore
    Object.assign(settlement.counts, { read: 1000, delivered: 100, skipped: 850, deadLettered: 50 })
    const summary = settlement.summary({ notFinished: 0, interrupted: false, complete: true, startedAt: Date.now() - 10_000, cpuAtStart: process.cpuUsage() }) // prettier-ignore
    settlement.close()
    expect(summary.eventsPerSecond).toBeGreaterThan(9)
    expect(summary.eventsPerSecond).toBeLessThanOrEqual(10)
    expect(USAGE).toMatch(/eventsPerSecond counts the events delivered to Woopra \(in a dry run: the requests written\) per second/) // prettier-ignore
  })
})
