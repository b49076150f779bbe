import { readFileSync, writeFileSync } from 'fs'
import path from 'path'
import { gzipSync } from 'zlib'
import type { SegmentEvent } from '@segment/actions-core'
import { loadCheckpoint } from '../../src/replay/checkpoint'
import { expectExit, expectIdentity, isSentType, numberedEvents, seqOf, spawnReplay, startFaultySink, summaryOf, removeTempDirs, tempDir, until } from '../__helpers__/replay' // prettier-ignore
import type { FaultySink } from '../__helpers__/replay'
import { s3Environment, startS3, startS3Proxy } from '../../test/s3-stand-in'
import type { S3Proxy, S3StandIn } from '../../test/s3-stand-in'

// `npm run replay` reading a Segment-layout archive straight from S3: a real S3 protocol server (s3rver) on
// 127.0.0.1, behind a proxy that counts requests and can misbehave; the replay as a child process with the standard
// AWS environment (access key, secret, region) and --s3-endpoint.

jest.setTimeout(120_000)

const BUCKET = 'segment-archive'
const SOURCE_ID = 'Xy7Hq2nZ'
/** Segment's S3 destination: segment-logs/<source-id>/<day, as a Unix time in ms>/<file>.gz */
const DAYS = ['1704067200000', '1704153600000', '1704240000000']

let s3: S3StandIn
let proxy: S3Proxy
const sinks: FaultySink[] = []

beforeAll(async () => {
  s3 = await startS3()
  await s3.createBucket(BUCKET)
})

afterAll(async () => {
  await s3.close()
  removeTempDirs()
})

beforeEach(async () => {
  proxy = await startS3Proxy(s3.port)
})

afterEach(async () => {
  await proxy.close()
  for (const sink of sinks.splice(0)) await sink.close()
})

async function woopra(delayMs = 0) {
  const started = await startFaultySink(() => ({ status: 200, delayMs }))
  sinks.push(started)
  return started
}

let archives = 0

/** A new archive under its own prefix: `count` numbered events over three days, two gzipped files a day. */
async function segmentArchive(count: number, visitors = 16) {
  const prefix = `run-${++archives}/segment-logs/${SOURCE_ID}`
  const events = numberedEvents(count, visitors)
  const keys: string[] = []
  const perFile = Math.ceil(count / (DAYS.length * 2))
  for (const [day, dayStamp] of DAYS.entries()) {
    for (const part of [0, 1]) {
      const slice = events.slice((day * 2 + part) * perFile, (day * 2 + part + 1) * perFile)
      const key = `${prefix}/${dayStamp}/${Number(dayStamp) + part * 3_600_000}.events-${part}.gz`
      await s3.put(BUCKET, key, gzipSync(slice.map((event) => JSON.stringify(event)).join('\n') + '\n'))
      keys.push(key)
    }
  }
  return { url: `s3://${BUCKET}/${prefix}`, keys, events, sent: events.filter(isSentType) }
}

function replayS3(args: string[], port: number, cwd: string, env: Record<string, string> = s3Environment()) {
  return spawnReplay(['--project', 'example.com', '--s3-endpoint', proxy.endpoint, ...args], { port, cwd, env })
}

/** The GET requests of objects (not listings) the proxy passed, of the given keys only if given. */
function objectGets(ofKeys?: readonly string[]) {
  return proxy.requests.filter(
    (request) =>
      request.method === 'GET' &&
      !request.url.includes('list-type') &&
      (!ofKeys || ofKeys.some((key) => request.url.includes(encodeURI(key))))
  )
}

function deliveredOnce(sink: FaultySink, sent: SegmentEvent[]) {
  expect([...sink.delivered().entries()].sort((a, b) => a[0] - b[0])).toEqual(sent.map((event) => [seqOf(event), 1]))
}

describe('npm run replay with s3:// inputs', () => {
  it('reads a Segment archive of several days in key order, mixed with a local file, exactly once per event', async () => {
    const { url, keys, events, sent } = await segmentArchive(300)
    const dir = tempDir()
    const local = numberedEvents(330).slice(300)
    writeFileSync(path.join(dir, 'extra.jsonl'), local.map((event) => JSON.stringify(event)).join('\n') + '\n')
    const sink = await woopra()
    const run = replayS3([url, 'extra.jsonl'], sink.port, dir)
    await expectExit(run, 0)
    const summary = summaryOf(run.stderr)
    expectIdentity(summary)
    expect(summary).toMatchObject({ read: 330, deadLettered: 0, complete: true })
    deliveredOnce(sink, [...sent, ...local.filter(isSentType)])
    // Per visitor, Woopra saw the events in the archive's order: days in key order, then the local file.
    const lastSeq = new Map<string, number>()
    const visitorOfSeq = new Map([...events, ...local].map((event) => [seqOf(event), JSON.stringify([event.userId, event.anonymousId, event.integrations])])) // prettier-ignore
    for (const request of sink.requests) {
      const visitor = visitorOfSeq.get(request.seq as number) as string
      expect((request.seq as number) > (lastSeq.get(visitor) ?? 0)).toBe(true)
      lastSeq.set(visitor, request.seq as number)
    }
    // One GET per object; the checkpoint names each by s3://bucket/key with its ETag.
    expect(objectGets().map((request) => decodeURIComponent(request.url.replace(/\?.*/, '')))).toEqual(keys.map((key) => `/${BUCKET}/${key}`)) // prettier-ignore
    const checkpoint = readFileSync(path.join(dir, 'replay-checkpoint.json'), 'utf8').split('\n')[0]
    const sources = JSON.parse(checkpoint).sources as Record<string, { done: boolean; identity?: { etag?: string } }>
    for (const key of keys) expect(sources[`s3://${BUCKET}/${key}`]).toMatchObject({ done: true })
  })

  it('after a kill -9, --resume sends the rest, re-sending no more than were in flight, and fetches no finished object again', async () => {
    const { url, sent, keys } = await segmentArchive(600)
    const dir = tempDir()
    const sink = await woopra(10)
    const first = replayS3(['--concurrency', '4', url], sink.port, dir)
    await until(() => sink.requests.length >= 250 || first.child.exitCode !== null)
    first.child.kill('SIGKILL')
    await expectExit(first, null, 'SIGKILL')
    expect(sink.requests.length).toBeLessThan(sent.length)
    const settled = loadCheckpoint(path.join(dir, 'replay-checkpoint.json'))
    const finished = keys.filter((key) => settled?.sources.get(`s3://${BUCKET}/${key}`)?.done)
    expect(finished.length).toBeGreaterThan(0)
    expect(finished.length).toBeLessThan(keys.length)
    proxy.requests.length = 0

    const second = replayS3(['--concurrency', '4', '--resume', url], sink.port, dir)
    await expectExit(second, 0)
    const summary = summaryOf(second.stderr)
    expectIdentity(summary)
    expect(summary.complete).toBe(true)
    expect(summary.alreadySettled + summary.read).toBe(600)
    const delivered = sink.delivered()
    for (const event of sent) expect([seqOf(event), (delivered.get(seqOf(event)) ?? 0) >= 1]).toEqual([seqOf(event), true]) // prettier-ignore
    const duplicates = [...delivered.values()].reduce((sum, count) => sum + count - 1, 0)
    expect(duplicates).toBeLessThanOrEqual(4)
    // Objects the first run finished were listed, not downloaded again.
    expect(objectGets().length).toBe(keys.length - finished.length)
    expect(objectGets(finished)).toEqual([])
  })

  it('--resume refuses an object rewritten since (its ETag changed), naming it; --resume-changed takes it', async () => {
    const { url, keys, events } = await segmentArchive(60)
    const dir = tempDir()
    const sink = await woopra()
    await expectExit(replayS3([url], sink.port, dir), 0)
    await s3.put(
      BUCKET,
      keys[2],
      gzipSync(
        events
          .slice(0, 3)
          .map((event) => JSON.stringify(event))
          .join('\n')
      )
    )
    const refused = replayS3(['--resume', url], sink.port, dir)
    await expectExit(refused, 2)
    expect(refused.stderr).toMatch(new RegExp(`^--resume: 1 source has changed since replay-checkpoint.json settled records of it, .*\n  s3://${BUCKET}/${keys[2]}: ETag "[0-9a-f]+" → "[0-9a-f]+", size \\d+ → \\d+ bytes\nStart over`)) // prettier-ignore
    const taken = replayS3(['--resume-changed', url], sink.port, dir)
    await expectExit(taken, 0)
    expect(summaryOf(taken.stderr)).toMatchObject({ read: 0, alreadySettled: 60, complete: true })
  })

  it('three shards read the same objects and together deliver every event exactly once', async () => {
    const { url, events, sent } = await segmentArchive(300, 40)
    const dir = tempDir()
    const sinksOfShards = await Promise.all([0, 1, 2].map(() => woopra()))
    const runs = sinksOfShards.map((sink, index) => replayS3(['--shard', `${index}/3`, url], sink.port, dir))
    let read = 0
    for (const run of runs) {
      await expectExit(run, 0)
      const summary = summaryOf(run.stderr)
      expectIdentity(summary)
      expect(summary.read + summary.otherShards).toBe(events.length)
      read += summary.read
    }
    expect(read).toBe(events.length)
    const all = new Map<number, number>()
    for (const sink of sinksOfShards) {
      expect(sink.requests.length).toBeGreaterThan(0)
      for (const [seq, count] of sink.delivered()) all.set(seq, (all.get(seq) ?? 0) + count)
    }
    expect([...all.entries()].sort((a, b) => a[0] - b[0])).toEqual(sent.map((event) => [seqOf(event), 1]))
  })

  it('a key S3 does not know is a 403: one line naming the permissions, exit 2, no stack trace', async () => {
    const { url } = await segmentArchive(12)
    const dir = tempDir()
    const sink = await woopra()
    const run = replayS3([url], sink.port, dir, s3Environment({ accessKeyId: 'AKIAWRONGKEY', secretAccessKey: 'x' }))
    await expectExit(run, 2)
    expect(run.stderr.trim()).toBe(
      `S3 refused listing ${url} (403 InvalidAccessKeyId): the credentials need s3:ListBucket on the bucket and s3:GetObject on its objects, and a valid key (the standard AWS chain: AWS_PROFILE, AWS_ACCESS_KEY_ID, a role).` // prettier-ignore
    )
    expect(sink.requests).toEqual([])
  })

  it('a missing bucket or prefix is named in one line, exit 2', async () => {
    const dir = tempDir()
    const sink = await woopra()
    const noBucket = replayS3(['s3://no-such-bucket/segment-logs'], sink.port, dir)
    await expectExit(noBucket, 2)
    expect(noBucket.stderr.trim()).toBe('S3 has no bucket "no-such-bucket" (listing s3://no-such-bucket/segment-logs, 404 NoSuchBucket).') // prettier-ignore
    const noPrefix = replayS3([`s3://${BUCKET}/segment-logs/nothing-here`], sink.port, dir)
    await expectExit(noPrefix, 2)
    expect(noPrefix.stderr.trim()).toBe(`Nothing to read at s3://${BUCKET}/segment-logs/nothing-here: no object has that key or prefix.`) // prettier-ignore
  })

  it('GetObject denied (403) stops reading with the reason; --resume once allowed sends the rest exactly once', async () => {
    const { url, keys, sent } = await segmentArchive(120)
    const dir = tempDir()
    const sink = await woopra()
    // As a policy with s3:ListBucket but not s3:GetObject on the third day.
    const deniedKey = keys[4]
    proxy.fault = (request) => (request.method === 'GET' && request.url.includes(encodeURI(deniedKey)) ? { status: 403, code: 'AccessDenied' } : undefined) // prettier-ignore
    const first = replayS3([url], sink.port, dir)
    await expectExit(first, 2)
    const stopped = summaryOf(first.stderr)
    expectIdentity(stopped)
    expect(stopped).toMatchObject({ complete: false, interrupted: false, deadLettered: 0, read: 80 })
    expect(stopped.stoppedBy).toMatch(new RegExp(`^S3 refused reading s3://${BUCKET}/${deniedKey} \\(403 AccessDenied\\): .*s3:GetObject`)) // prettier-ignore
    expect(first.stderr).not.toMatch(/\n\s+at /)
    expect(readFileSync(path.join(dir, 'replay-dead-letters.jsonl'), 'utf8')).toBe('')

    proxy.fault = () => undefined
    const second = replayS3(['--resume', url], sink.port, dir)
    await expectExit(second, 0)
    expect(summaryOf(second.stderr)).toMatchObject({ read: 40, alreadySettled: 80, complete: true })
    deliveredOnce(sink, sent)
  })

  it('a body cut in the middle and throttling (503 SlowDown) are retried: every event once', async () => {
    const { url, keys, sent } = await segmentArchive(3000)
    const dir = tempDir()
    const sink = await woopra()
    let throttled = 0
    let cut = 0
    proxy.fault = (request) => {
      if (request.method !== 'GET' || request.url.includes('list-type')) return undefined
      if (request.url.includes(encodeURI(keys[0])) && throttled++ < 2) return { status: 503, code: 'SlowDown' }
      if (request.url.includes(encodeURI(keys[1])) && cut++ === 0) return { cutAfter: 2000 }
      return undefined
    }
    const run = replayS3([url], sink.port, dir)
    await expectExit(run, 0)
    expect(summaryOf(run.stderr)).toMatchObject({ read: 3000, deadLettered: 0, complete: true })
    deliveredOnce(sink, sent)
    // Read on from where the reader had got to (the bytes it had before the cut, when any, are not fetched again).
    const [whole, rest] = objectGets([keys[1]])
    expect([whole.range, rest.range ?? 'bytes=0-']).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)])
    expect(objectGets([keys[0]])).toHaveLength(3)
  })
})
