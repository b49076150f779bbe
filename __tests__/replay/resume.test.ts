import { readFileSync, utimesSync, writeFileSync } from 'fs'
import path from 'path'
import { PassThrough } from 'stream'
import { gzipSync } from 'zlib'
import type { DestinationDefinition } from '@segment/actions-core'
import definition from '../../src/destinations/woopra'
import { presetSubscriptions } from '../../src/delivery'
import { loadCheckpoint } from '../../src/replay/checkpoint'
import { runReplay } from '../../src/replay/replay'
import type { ReplayOptions, ReplaySummary } from '../../src/replay/replay'
import { InputError } from '../../src/replay/sources'
import { installRedirect } from '../../bench/redirect'
import { expectIdentity, numberedEvents, removeTempDirs, startFaultySink, tempDir, writeJsonLines } from '../__helpers__/replay' // prettier-ignore
import type { FaultySink } from '../__helpers__/replay'

// Resuming safely: a source that changed since the checkpoint settled records of it is refused by name (or taken
// knowingly), and a resumed run counts what it passes over exactly as the first run counted it, shards included.
// Shards agree on files: a file that cannot be read is reported by one shard only.

jest.setTimeout(60_000)

type Settings = { project: string }

let sink: FaultySink
let redirect: ReturnType<typeof installRedirect>

beforeAll(async () => {
  sink = await startFaultySink(() => ({ status: 200 }))
  redirect = installRedirect(sink.port, undefined, 16)
})

afterAll(async () => {
  redirect.uninstall()
  await sink.close()
  removeTempDirs()
})

/** One run in process; `state` is the folder of its checkpoint and dead letters (a new one unless given). */
async function replay(inputs: string[], overrides: Partial<ReplayOptions<Settings>> & { state?: string } = {}) {
  const { state = tempDir(), ...rest } = overrides
  const checkpointFile = path.join(state, 'checkpoint.json')
  const resume = rest.previous !== undefined || rest.acceptChangedSources === true
  const progress = new PassThrough()
  progress.resume()
  const summary: ReplaySummary = await runReplay<Settings>({
    inputs,
    definition: definition as DestinationDefinition<Settings>,
    settings: { project: 'example.com' },
    subscriptions: presetSubscriptions(definition),
    concurrency: 8,
    maxAttempts: 3,
    backoff: { baseMs: 10, maxMs: 50 },
    checkpointFile,
    deadLetterFile: path.join(state, 'dead.jsonl'),
    appendDeadLetters: resume,
    dedupeWindow: 1000,
    drainTimeoutMs: 30_000,
    progressStream: progress,
    progressIntervalMs: 60_000,
    ...rest
  })
  expectIdentity(summary)
  const deadText = readFileSync(path.join(state, 'dead.jsonl'), 'utf8')
  const deadLetters = deadText === '' ? [] : deadText.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) // prettier-ignore
  return { summary, deadLetters, state, previous: () => loadCheckpoint(checkpointFile) }
}

/** Resumes the run whose checkpoint is in `state`. */
function resume(inputs: string[], state: string, overrides: Partial<ReplayOptions<Settings>> = {}) {
  const previous = loadCheckpoint(path.join(state, 'checkpoint.json'))
  if (!previous) throw new Error('no checkpoint')
  return replay(inputs, { state, previous, ...overrides })
}

/** Folder of two files: JSON lines with blank lines among them, and a gzipped file. */
function archive() {
  const dir = tempDir()
  const events = numberedEvents(120, 30)
  const lines = events.slice(0, 60).flatMap((event, i) => (i % 10 === 0 ? ['', JSON.stringify(event), '  '] : [JSON.stringify(event)])) // prettier-ignore
  writeFileSync(path.join(dir, 'a.jsonl'), lines.join('\n') + '\n')
  writeJsonLines(path.join(dir, 'b.jsonl.gz'), events.slice(60), true)
  return { dir, events }
}

describe('resume', () => {
  it('counts what it passes over as the first run counted it: blank lines are not records', async () => {
    const { dir, events } = archive()
    const first = await replay([dir])
    expect(first.summary).toMatchObject({ read: 120, alreadySettled: 0, complete: true })
    const again = await resume([dir], first.state)
    expect(again.summary).toMatchObject({ read: 0, alreadySettled: 120, otherShards: 0, complete: true })

    // Stopped part way (--limit), the rest read by the resumed run: together, exactly the archive.
    const partial = await replay([dir], { limit: 45 })
    expect(partial.summary).toMatchObject({ read: 45, complete: false })
    const rest = await resume([dir], partial.state)
    expect(rest.summary).toMatchObject({ read: events.length - 45, alreadySettled: 45, complete: true })
  })

  it('counts each shard the same on resume: this shard’s records as settled, the others as other shards', async () => {
    const { dir } = archive()
    for (const index of [0, 1, 2]) {
      const shard = { index, count: 3 }
      const first = await replay([dir], { shard })
      expect(first.summary.read + first.summary.otherShards).toBe(120)
      const again = await resume([dir], first.state, { shard })
      expect([index, again.summary]).toEqual([index, expect.objectContaining({ read: 0, alreadySettled: first.summary.read, otherShards: first.summary.otherShards })]) // prettier-ignore

      const partial = await replay([dir], { shard, limit: Math.floor(first.summary.read / 2) })
      const rest = await resume([dir], partial.state, { shard })
      expect([index, partial.summary.read + rest.summary.read, rest.summary.alreadySettled, rest.summary.otherShards]).toEqual([index, first.summary.read, partial.summary.read, first.summary.otherShards]) // prettier-ignore
    }
  })

  it('refuses a source that changed since (an event prepended), naming it; --resume-changed takes it as it is now', async () => {
    const { dir } = archive()
    const first = await replay([dir])
    const file = path.join(dir, 'a.jsonl')
    const before = readFileSync(file, 'utf8')
    const extra = { ...numberedEvents(1)[0], messageId: 'prepended' }
    writeFileSync(file, JSON.stringify(extra) + '\n' + before)
    const checkpointBefore = readFileSync(path.join(first.state, 'checkpoint.json'), 'utf8')
    const sent = sink.requests.length

    const refused = resume([dir], first.state)
    await expect(refused).rejects.toBeInstanceOf(InputError)
    await expect(refused).rejects.toThrow(
      new RegExp(`^--resume: 1 source has changed since .*checkpoint.json settled records of it, .*\\n  ${file}: size ${before.length} → ${before.length + JSON.stringify(extra).length + 1} bytes, first megabyte differs, modified .+\\nStart over .*add --resume-changed`) // prettier-ignore
    )
    // Refused before anything was sent or written.
    expect(readFileSync(path.join(first.state, 'checkpoint.json'), 'utf8')).toBe(checkpointBefore)
    expect(sink.requests.length).toBe(sent)

    const taken = await resume([dir], first.state, { acceptChangedSources: true })
    expect(taken.summary).toMatchObject({ read: 0, complete: true })
    // Its new identity is kept: the next --resume is not refused.
    expect((await resume([dir], first.state)).summary).toMatchObject({ read: 0, complete: true })
  })

  it('refuses a file only touched (same bytes, new modification time), and a gzip file rewritten', async () => {
    const { dir } = archive()
    const first = await replay([dir])
    utimesSync(path.join(dir, 'a.jsonl'), new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'))
    writeJsonLines(path.join(dir, 'b.jsonl.gz'), numberedEvents(5), true)
    const message = await resume([dir], first.state).then(
      () => 'resumed',
      (error: Error) => error.message
    )
    expect(message.split('\n').slice(1, 3)).toEqual([
      expect.stringMatching(new RegExp(`^  ${path.join(dir, 'a.jsonl')}: modified .+ → 2030-01-01T00:00:00.000Z$`)),
      expect.stringMatching(new RegExp(`^  ${path.join(dir, 'b.jsonl.gz')}: size \\d+ → \\d+ bytes, first megabyte differs, modified .+$`)) // prettier-ignore
    ])
  })

  it('writes each source’s identity in the checkpoint: size, modification time, a hash of its first megabyte', async () => {
    const { dir } = archive()
    const first = await replay([dir])
    const entry = first.previous()?.sources.get(path.join(dir, 'a.jsonl'))
    const stat = readFileSync(path.join(dir, 'a.jsonl'))
    expect(entry).toMatchObject({ done: true, identity: { size: stat.length, mtimeMs: expect.any(Number), headSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }) // prettier-ignore
  })
})

describe('shards agree on files', () => {
  it('a binary file and a broken gzip are dead-lettered by one shard each; reads and dead letters sum to the unsharded run', async () => {
    const dir = tempDir()
    const events = numberedEvents(90, 20)
    writeJsonLines(path.join(dir, 'a.jsonl'), events.slice(0, 40))
    writeFileSync(path.join(dir, 'b.parquet'), Buffer.from('PAR1\u0000\u0001\u0002binary\u0000data'))
    const zipped = gzipSync(
      events
        .slice(40, 90)
        .map((event) => JSON.stringify(event))
        .join('\n') + '\n'
    )
    writeFileSync(path.join(dir, 'c.jsonl.gz'), zipped.subarray(0, zipped.length - 20))
    writeFileSync(path.join(dir, 'd.jsonl'), '{"type":"track","event":"x"\nnot json\n')

    const whole = await replay([dir])
    expect(whole.deadLetters.map((letter) => [path.basename(letter.source as string), letter.errorClass])).toEqual([
      ['b.parquet', 'NotTextError'],
      ['c.jsonl.gz', 'Z_BUF_ERROR'],
      ['d.jsonl', 'SyntaxError'],
      ['d.jsonl', 'SyntaxError']
    ])
    const shards: Awaited<ReturnType<typeof replay>>[] = []
    for (const index of [0, 1, 2]) shards.push(await replay([dir], { shard: { index, count: 3 } }))
    const sum = (pick: (run: (typeof shards)[number]) => number) => shards.reduce((total, run) => total + pick(run), 0)
    expect(sum((run) => run.summary.read)).toBe(whole.summary.read)
    expect(sum((run) => run.summary.deadLettered)).toBe(whole.summary.deadLettered)
    expect(sum((run) => run.summary.delivered)).toBe(whole.summary.delivered)
    const letters = shards.flatMap((run) => run.deadLetters.map((letter) => `${path.basename(letter.source as string)}:${letter.errorClass}`)) // prettier-ignore
    expect(letters.sort()).toEqual(['b.parquet:NotTextError', 'c.jsonl.gz:Z_BUF_ERROR', 'd.jsonl:SyntaxError', 'd.jsonl:SyntaxError']) // prettier-ignore
    for (const run of shards) expect(run.summary.read + run.summary.otherShards).toBe(whole.summary.read)
  })
})
