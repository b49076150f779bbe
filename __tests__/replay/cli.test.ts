import { spawn } from 'child_process'
import { existsSync, readFileSync, writeFileSync } from 'fs'
import path from 'path'
import definition from '../../src/destinations/woopra'
import { parseCli, readSubscriptions } from '../../src/replay/cli'
import { ROOT, expectExit, expectIdentity, isSentType, numberedEvents, seqOf, spawnReplay, startFaultySink, summaryOf, removeTempDirs, tempDir, until, writeJsonLines } from '../__helpers__/replay' // prettier-ignore
import type { FaultySink } from '../__helpers__/replay'

// `npm run replay` as a user runs it: a child process (node itself, as the npm script runs it), its exit status,
// its files, and what reaches a local stand-in for Woopra. Crashes are real: SIGKILL and SIGINT.

jest.setTimeout(120_000)

const sinks: FaultySink[] = []
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close()
})

async function sink(delayMs = 0) {
  const started = await startFaultySink(() => ({ status: 200, delayMs }))
  sinks.push(started)
  return started
}

function archive(count: number, visitors = 16) {
  const dir = tempDir()
  const events = numberedEvents(count, visitors)
  writeJsonLines(path.join(dir, 'a.jsonl.gz'), events.slice(0, count / 2), true)
  writeJsonLines(path.join(dir, 'b.jsonl'), events.slice(count / 2))
  return { dir, events, sent: events.filter(isSentType) }
}

afterAll(removeTempDirs)

describe('npm run replay', () => {
  it('explains every flag with --help', async () => {
    const run = spawnReplay(['--help'])
    await expectExit(run, 0)
    for (const flag of [
      '--project',
      '--settings',
      '--subscriptions',
      '--concurrency',
      '--rate',
      '--max-attempts',
      '--backoff',
      '--checkpoint',
      '--resume',
      '--dead-letters',
      '--shard',
      '--dry-run',
      '--output',
      '--allow-empty',
      '--limit',
      '--dedupe-window',
      '--drain-timeout',
      '--progress-interval',
      '--help'
    ]) {
      // prettier-ignore
      expect(run.stdout).toMatch(new RegExp(`^  (-h, )?${flag}\\b`, 'm'))
    }
  })

  it('refuses unclear options with a message', () => {
    const parse =
      (args: string[], env: NodeJS.ProcessEnv = {}) =>
      () =>
        parseCli(args, env, definition)
    expect(parse(['--project', 'example.com'])).toThrow(/^Name at least one file or folder/)
    expect(parse(['e.jsonl'])).toThrow(/^Give the Woopra project/)
    expect(parse(['--project', 'example.com', '--shard', '3/3', 'e.jsonl'])).toThrow(
      /--shard takes K\/N with 0 ≤ K < N/
    )
    expect(parse(['--project', 'example.com', '--concurrency', '0', 'e.jsonl'])).toThrow(/^--concurrency takes a whole number of at least 1/) // prettier-ignore
    expect(parse(['--project', 'example.com', '--rate', 'fast', 'e.jsonl'])).toThrow(/^--rate takes a number above 0/)
    expect(parse(['--project', 'example.com', '--backoff', '100,10', 'e.jsonl'])).toThrow(/maximum must not be below/)
    expect(parse(['--project', 'example.com', '--dry-run', '--resume', 'e.jsonl'])).toThrow(/cannot --resume/)
    expect(parse(['--project', 'example.com', '--bogus', 'e.jsonl'])).toThrow(/bogus/)
    expect(parse(['e.jsonl'], { WOOPRA_PROJECT: 'example.com' })()).toMatchObject({
      inputs: ['e.jsonl'],
      settings: { project: 'example.com' },
      concurrency: 8,
      maxAttempts: 5,
      checkpointFile: 'replay-checkpoint.json',
      deadLetterFile: 'replay-dead-letters.jsonl'
    })
    expect(parse(['--project', 'example.com', '--shard', '2/5', 'e.jsonl'])()).toMatchObject({
      shard: { index: 2, count: 5 },
      checkpointFile: 'replay-checkpoint.shard-2-of-5.json',
      deadLetterFile: 'replay-dead-letters.shard-2-of-5.jsonl'
    })
  })

  it('reads a subscriptions file and refuses one that would not run', () => {
    const dir = tempDir()
    const file = path.join(dir, 'subscriptions.json')
    const write = (json: unknown) => writeFileSync(file, JSON.stringify(json))
    write([{ subscribe: 'type = "track" and event = "Order Completed"', partnerAction: 'trackEvent', mapping: { event_name: { '@path': '$.event' } } }]) // prettier-ignore
    expect(readSubscriptions(file, definition)).toEqual([{ subscribe: 'type = "track" and event = "Order Completed"', partnerAction: 'trackEvent', mapping: { event_name: { '@path': '$.event' } } }]) // prettier-ignore
    write([{ subscribe: 'type = "track" or (', partnerAction: 'trackEvent', mapping: {} }])
    expect(() => readSubscriptions(file, definition)).toThrow(/subscription 1: "subscribe" is not valid FQL/)
    write([{ subscribe: 'type = "track"', partnerAction: 'sendEmail', mapping: {} }])
    expect(() => readSubscriptions(file, definition)).toThrow(/"partnerAction" must be one of identifyUser, trackEvent, trackPageView/) // prettier-ignore
    write({ nothing: true })
    expect(() => readSubscriptions(file, definition)).toThrow(/non-empty JSON array/)
  })

  it('exits 2 with a message for bad settings, a checkpoint without --resume, or a missing input', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'e.jsonl'), numberedEvents(1))
    writeFileSync(path.join(dir, 'replay-checkpoint.json'), '{"version":1,"sources":{}}\n')
    const cases: [string[], RegExp][] = [
      [['--project', 'https://example.com/x', '--checkpoint', 'other.json', 'e.jsonl'], /^The settings are not valid: .*has a scheme/], // prettier-ignore
      [['--project', 'example.com', 'e.jsonl'], /^replay-checkpoint.json \(.*\/replay-checkpoint.json\) exists from an earlier run: add --resume/], // prettier-ignore
      [['--project', 'example.com', '--checkpoint', 'other.json', 'missing.jsonl'], /^Cannot read missing.jsonl \(.*\/missing.jsonl\): no such file or folder\.\n$/] // prettier-ignore
    ]
    for (const [args, message] of cases) {
      const run = spawnReplay(args, { cwd: dir })
      await expectExit(run, 2)
      expect(run.stderr).toMatch(message)
    }
  })

  it('after a kill -9, --resume delivers every event, re-sending no more than were in flight', async () => {
    const woopra = await sink(15)
    const { dir, sent } = archive(600)
    const args = ['--project', 'example.com', '--concurrency', '4', dir]
    const first = spawnReplay(args, { port: woopra.port, cwd: dir })
    await until(() => woopra.requests.length >= 60 || first.child.exitCode !== null)
    first.child.kill('SIGKILL')
    await expectExit(first, null, 'SIGKILL')
    const beforeResume = woopra.requests.length
    expect(beforeResume).toBeLessThan(sent.length)

    const second = spawnReplay([...args, '--resume'], { port: woopra.port, cwd: dir })
    await expectExit(second, 0)
    const summary = summaryOf(second.stderr)
    expectIdentity(summary)
    expect(summary.complete).toBe(true)

    const delivered = woopra.delivered()
    for (const event of sent) expect([seqOf(event), (delivered.get(seqOf(event)) ?? 0) >= 1]).toEqual([seqOf(event), true]) // prettier-ignore
    const duplicates = [...delivered.values()].reduce((sum, count) => sum + count - 1, 0)
    expect(duplicates).toBeLessThanOrEqual(4)
    expect(woopra.requests.length).toBe(sent.length + duplicates)
    // What the first run settled is not read again; the rest is, exactly once.
    expect(summary.alreadySettled + summary.read).toBe(600)
  })

  it('on SIGINT stops reading, lets what is in flight finish, writes the checkpoint, and --resume finishes the rest', async () => {
    const woopra = await sink(15)
    const { dir, events, sent } = archive(400)
    const args = ['--project', 'example.com', '--concurrency', '4', dir]
    const first = spawnReplay(args, { port: woopra.port, cwd: dir })
    await until(() => woopra.requests.length >= 40 || first.child.exitCode !== null)
    first.child.kill('SIGINT')
    await expectExit(first, 130)
    const interrupted = summaryOf(first.stderr)
    expectIdentity(interrupted)
    expect(interrupted).toMatchObject({ interrupted: true, complete: false })
    expect(interrupted.read).toBeLessThan(400)
    // Every request sent was answered and settled before the process left.
    expect(woopra.requests.length).toBe(interrupted.delivered)
    expect(first.stderr).toMatch(/SIGINT: reading stopped/)

    const second = spawnReplay([...args, '--resume'], { port: woopra.port, cwd: dir })
    await expectExit(second, 0)
    const resumed = summaryOf(second.stderr)
    expectIdentity(resumed)
    expect(interrupted.read + resumed.read).toBe(events.length)
    expect(resumed.alreadySettled).toBeGreaterThanOrEqual(interrupted.read)
    // A graceful stop settles everything it sent: nothing is sent twice.
    expect([...woopra.delivered().entries()].sort((a, b) => a[0] - b[0])).toEqual(sent.map((event) => [seqOf(event), 1])) // prettier-ignore
  })

  it('bounds the wait for what is in flight on SIGINT (--drain-timeout), and --resume sends what did not finish', async () => {
    let answering = false
    const woopra = await startFaultySink(() => (answering ? { status: 200 } : { hang: true }))
    sinks.push(woopra)
    const { dir, sent } = archive(60)
    const args = ['--project', 'example.com', '--concurrency', '3', '--drain-timeout', '1', dir]
    // Progress lines often, so that the signal waits until every record is read ahead (a busy machine reads slowly).
    const first = spawnReplay([...args, '--progress-interval', '0.05'], { port: woopra.port, cwd: dir })
    const readAhead = () =>
      Math.max(
        0,
        ...first.stderr
          .split('\n')
          .slice(0, -1) // the last one may be cut mid-line
          .filter((line) => line.startsWith('{') && line.includes('"msg":"progress"'))
          .map((line) => (JSON.parse(line) as { read: number }).read)
      )
    await until(() => (woopra.requests.length >= 3 && readAhead() >= 60) || first.child.exitCode !== null)
    first.child.kill('SIGINT')
    await expectExit(first, 130)
    const interrupted = summaryOf(first.stderr)
    expectIdentity(interrupted)
    // Read ahead but not settled: the 57 that had not started, and the 3 still in flight when the drain gave up.
    expect(interrupted).toMatchObject({ interrupted: true, read: 0, delivered: 0, notFinished: 60 })

    answering = true
    const second = spawnReplay([...args, '--resume'], { port: woopra.port, cwd: dir })
    await expectExit(second, 0)
    const resumed = summaryOf(second.stderr)
    expectIdentity(resumed)
    expect(resumed.read).toBe(60)
    expect([...woopra.delivered().entries()].sort((a, b) => a[0] - b[0])).toEqual(sent.map((event) => [seqOf(event), 1])) // prettier-ignore
    // The three that hung were sent again: no more than the concurrency.
    expect(woopra.requests.length).toBe(sent.length + 3)
  })

  it('--resume keeps the dead letters of the earlier run and adds its own', async () => {
    const woopra = await sink()
    const dir = tempDir()
    const events = numberedEvents(12, 3).filter(isSentType)
    writeJsonLines(path.join(dir, 'e.jsonl'), [events[0], 'first broken line', ...events.slice(1, 5), 'second broken line', ...events.slice(5)]) // prettier-ignore
    const first = spawnReplay(['--project', 'example.com', '--limit', '3', 'e.jsonl'], { port: woopra.port, cwd: dir })
    await expectExit(first, 1)
    const second = spawnReplay(['--project', 'example.com', '--resume', 'e.jsonl'], { port: woopra.port, cwd: dir })
    await expectExit(second, 1)
    const letters = readFileSync(path.join(dir, 'replay-dead-letters.jsonl'), 'utf8').trim().split('\n')
    expect(letters.map((line) => (JSON.parse(line) as { text: string; line: number }).text)).toEqual(['first broken line', 'second broken line']) // prettier-ignore
    expect(summaryOf(first.stderr).deadLettered + summaryOf(second.stderr).deadLettered).toBe(2)
  })

  it('N shards together deliver every event exactly once, each visitor in one shard, each with its own files', async () => {
    const { dir, events, sent } = archive(300, 40)
    const shards = 3
    const woopras = await Promise.all(Array.from({ length: shards }, () => sink()))
    const runs = woopras.map((woopra, index) =>
      spawnReplay(['--project', 'example.com', '--shard', `${index}/${shards}`, dir], { port: woopra.port, cwd: dir })
    )
    const visitorOfSeq = new Map(events.map((event) => [seqOf(event), event.userId ?? JSON.stringify(event.integrations ?? event.anonymousId)])) // prettier-ignore
    const shardOfVisitor = new Map<string, number>()
    for (const [index, run] of runs.entries()) {
      await expectExit(run, 0)
      const summary = summaryOf(run.stderr)
      expectIdentity(summary)
      expect(summary.read + summary.otherShards).toBe(events.length)
      expect(existsSync(path.join(dir, `replay-checkpoint.shard-${index}-of-${shards}.json`))).toBe(true)
      expect(readFileSync(path.join(dir, `replay-dead-letters.shard-${index}-of-${shards}.jsonl`), 'utf8')).toBe('')
      for (const request of woopras[index].requests) {
        const visitor = visitorOfSeq.get(request.seq as number) as string
        expect([visitor, shardOfVisitor.get(visitor) ?? index]).toEqual([visitor, index])
        shardOfVisitor.set(visitor, index)
      }
      expect(woopras[index].requests.length).toBeGreaterThan(0)
    }
    const all = new Map<number, number>()
    for (const woopra of woopras)
      for (const [seq, count] of woopra.delivered()) all.set(seq, (all.get(seq) ?? 0) + count)
    expect([...all.entries()].sort((a, b) => a[0] - b[0])).toEqual(sent.map((event) => [seqOf(event), 1]))
  })

  it('npm run replay passes SIGTERM to node itself, which stops gracefully', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'e.jsonl'), numberedEvents(5000))
    const npm = spawn('npm', ['run', '--silent', 'replay', '--', '--project', 'example.com', '--dry-run', '--rate', '50', '--progress-interval', '1', '--dead-letters', path.join(dir, 'dead.jsonl'), path.join(dir, 'e.jsonl')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] }) // prettier-ignore
    let stderr = ''
    npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)))
    await until(() => stderr.includes('"msg":"progress"') || npm.exitCode !== null)
    npm.kill('SIGTERM')
    expect(await exited).toBe(130)
    const summary = summaryOf(stderr)
    expect(summary).toMatchObject({ interrupted: true, complete: false })
    expect(summary.read).toBeLessThan(5000)
    expectIdentity(summary)
    expect(stderr).toMatch(/SIGTERM: reading stopped/)
  })

  it('exits 1 when something was dead-lettered, and --dry-run writes requests and no checkpoint', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'e.jsonl'), [...numberedEvents(3), 'corrupt'])
    const run = spawnReplay(['--project', 'example.com', '--dry-run', 'e.jsonl'], { cwd: dir })
    await expectExit(run, 1)
    const summary = summaryOf(run.stderr)
    // A dry run delivers nothing: it says what it would send.
    expect(summary).toMatchObject({ read: 4, wouldSend: 3, deadLettered: 1, dryRun: true })
    expect(summary).not.toHaveProperty('delivered')
    expectIdentity(summary)
    const requests = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { record: number; url: string })
    expect(requests.map((request) => request.record).sort()).toEqual([1, 2, 3])
    expect(existsSync(path.join(dir, 'replay-checkpoint.json'))).toBe(false)
    const [letter] = readFileSync(path.join(dir, 'replay-dead-letters.dry-run.jsonl'), 'utf8').trim().split('\n')
    expect(JSON.parse(letter)).toMatchObject({ source: 'e.jsonl', line: 4, text: 'corrupt', errorClass: 'SyntaxError' })
  })

  it('stops as Ctrl+C does when the reader of --dry-run goes away (| head), without an EPIPE crash', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'e.jsonl'), numberedEvents(5000, 50))
    const run = spawnReplay(['--project', 'example.com', '--dry-run', 'e.jsonl'], { cwd: dir })
    await until(() => run.stdout.includes('\n'))
    run.child.stdout?.destroy()
    await expectExit(run, 130)
    const summary = summaryOf(run.stderr)
    expect(summary).toMatchObject({ interrupted: true })
    expect(summary.read).toBeLessThan(5000)
    expectIdentity(summary)
    expect(run.stderr).not.toMatch(/EPIPE|at .*\.ts:\d+/)
  })
})
