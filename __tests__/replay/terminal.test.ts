import { spawn } from 'child_process'
import path from 'path'
import { ROOT, expectExit, expectIdentity, isSentType, npmReplayEnv, numberedEvents, seqOf, shellQuote, spawnReplay, startFaultySink, summaryOf, removeTempDirs, tempDir, until, writeJsonLines } from '../__helpers__/replay' // prettier-ignore
import type { Answer, FaultySink } from '../__helpers__/replay'

// `npm run replay` in a terminal, as a person runs it: a pseudo-terminal (util-linux `script`) whose Ctrl+C byte the
// terminal turns into SIGINT for the whole foreground group, npm and node alike; npm then forwards its own copy.

jest.setTimeout(120_000)

const ESC = '\x1b'
afterAll(removeTempDirs)

const sinks: FaultySink[] = []
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close()
})

async function sink(answer: () => Answer) {
  const started = await startFaultySink(answer)
  sinks.push(started)
  return started
}

/** `npm run replay -- args` typed in `cwd` in a terminal; `press()` types Ctrl+C. Output is the terminal's. */
function inTerminal(args: string[], cwd: string, port: number) {
  const command = ['npm', '--prefix', ROOT, 'run', 'replay', '--', ...args].map(shellQuote).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: npmReplayEnv(port), stdio: ['pipe', 'pipe', 'pipe'] }) // prettier-ignore
  const run = {
    output: '',
    exited: new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))),
    press: () => child.stdin.write('\x03')
  }
  child.stdout.on('data', (chunk: Buffer) => (run.output += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (run.output += chunk.toString('utf8')))
  return run
}

describe('npm run replay in a terminal', () => {
  it('one Ctrl+C drains: events in flight finish, a readable summary, and --resume sends nothing twice', async () => {
    const woopra = await sink(() => ({ status: 200, delayMs: 15 }))
    const dir = tempDir()
    const events = numberedEvents(400, 16)
    writeJsonLines(path.join(dir, 'events.jsonl'), events)
    const args = ['--project', 'example.com', '--concurrency', '4', '.']
    const run = inTerminal(args, dir, woopra.port)
    await until(() => woopra.requests.length >= 40 || run.output.includes('"msg":"summary"'))
    run.press()
    expect(await run.exited).toBe(130)

    const output = run.output
    // The terminal's SIGINT and npm's copy of it were one Ctrl+C: a drain, not an exit.
    expect(output.match(/SIGINT: reading stopped/g)).toHaveLength(1)
    expect(output).not.toMatch(/SIGINT again/)
    const summary = summaryOf(output.replace(/\r/g, ''))
    expectIdentity(summary)
    expect(summary).toMatchObject({ interrupted: true, complete: false })
    expect(summary.read).toBeLessThan(events.length)
    // Every request sent was answered and settled before the process left.
    expect(woopra.requests.length).toBe(summary.delivered)
    // The bar was stopped before the message: no redraw or cursor restore after it, the summary on its own lines.
    // (npm's own spinner may follow once the replay has ended.)
    const afterStop = output.slice(output.indexOf('SIGINT: reading stopped'), output.indexOf('"msg":"summary"'))
    expect(afterStop).not.toContain(ESC)
    expect(afterStop).toMatch(/\r\nread \d+ = delivered \d+ \+ skipped \d+ \+ dead-lettered 0\r\n/)
    expect(output.slice(0, output.indexOf('SIGINT: reading stopped'))).toMatch(new RegExp(`${ESC}8\\r\\n$`))

    const resumed = spawnReplay([...args, '--resume'], { port: woopra.port, cwd: dir })
    await expectExit(resumed, 0)
    expect(summaryOf(resumed.stderr).read + summary.read).toBe(events.length)
    const sent = events.filter(isSentType).map((event) => [seqOf(event), 1])
    expect([...woopra.delivered().entries()].sort((a, b) => a[0] - b[0])).toEqual(sent)
  })

  it('a second Ctrl+C, a second or more after the first, exits at once', async () => {
    const woopra = await sink(() => ({ hang: true }))
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'events.jsonl'), numberedEvents(60))
    const run = inTerminal(['--project', 'example.com', '--concurrency', '3', '--drain-timeout', '100', '.'], dir, woopra.port) // prettier-ignore
    await until(() => woopra.requests.length >= 3)
    run.press()
    await until(() => run.output.includes('reading stopped'))
    // What is under test is the time between the two presses: a person's second Ctrl+C, not npm's copy of the first.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    run.press()
    expect(await run.exited).toBe(130)
    expect(run.output).toMatch(/SIGINT again: exiting without waiting\./)
    expect(run.output).not.toMatch(/"msg":"summary"/)
  })
})
