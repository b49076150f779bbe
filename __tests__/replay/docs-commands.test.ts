import { spawn } from 'child_process'
import { mkdirSync, readFileSync, symlinkSync } from 'fs'
import path from 'path'
import { gzipSync } from 'zlib'
import { s3Environment, startS3 } from '../../test/s3-stand-in'
import type { S3StandIn } from '../../test/s3-stand-in'
import { documentationFiles, readDoc, withoutCodeBlocks } from '../__helpers__/markdown'
import { ROOT, npmReplayEnv, numberedEvents, isSentType, removeTempDirs, startFaultySink, tempDir, writeJsonLines } from '../__helpers__/replay' // prettier-ignore
import type { FaultySink } from '../__helpers__/replay'

// Every replay command the documentation prints, run as printed: through sh, in a folder laid out as this package
// (its files linked), beside an archive named as the docs name it, against a local stand-in for Woopra. Each must
// succeed, and what it redirects into a .jsonl file must be JSON lines (npm's banner is not). An s3:// command reads
// its bucket, filled as the docs name it, from a local S3 server (its endpoint and credentials added to the command).

jest.setTimeout(300_000)
afterAll(removeTempDirs)

interface DocCommand {
  doc: string
  command: string
}

/** `sh` blocks' commands (continued lines joined) and inline commands, that run the replay. */
function replayCommands(): DocCommand[] {
  const commands: DocCommand[] = []
  for (const doc of documentationFiles()) {
    const text = readDoc(doc)
    for (const block of text.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
      const lines = block[1].replace(/\\\n\s*/g, ' ').split('\n')
      for (const line of lines) if (/\breplay\b/.test(line) && !/^\s*#/.test(line)) commands.push({ doc, command: line.trim() }) // prettier-ignore
    }
    for (const span of withoutCodeBlocks(text).matchAll(/`([^`]+)`/g)) {
      const command = span[1].replace(/\s+/g, ' ').trim()
      if (/^(npm run (-s )?replay -- |jq .*\| .*npm run (-s )?replay -- )/.test(command)) commands.push({ doc, command }) // prettier-ignore
    }
  }
  return commands
}

/** A folder laid out as this package (its files linked), with an archive and dead-letter files as the docs name them. */
function packageCopy(): string {
  const dir = tempDir()
  for (const name of ['package.json', 'tsconfig.json', 'node_modules', 'src', 'bench']) {
    symlinkSync(path.join(ROOT, name), path.join(dir, name))
  }
  const events = numberedEvents(30, 5)
  mkdirSync(path.join(dir, 'segment-archive', '2024-01-01'), { recursive: true })
  writeJsonLines(path.join(dir, 'segment-archive', '2024-01-01', 'a.jsonl.gz'), events.slice(0, 15), true)
  writeJsonLines(path.join(dir, 'segment-archive', '2024-01-01', 'b.jsonl'), events.slice(15))
  const sent = events.filter(isSentType)
  const letter = (event: unknown) => ({ source: 'x.jsonl', line: 1, record: 1, event, errorClass: 'IntegrationError', message: '…', attempts: 5 }) // prettier-ignore
  writeJsonLines(path.join(dir, 'replay-dead-letters.jsonl'), [letter(sent[0]), { source: 'x.jsonl', line: 2, record: 2, text: 'not json', errorClass: 'SyntaxError', message: '…', attempts: 0 }, letter(sent[1])]) // prettier-ignore
  writeJsonLines(path.join(dir, 'dead.jsonl'), [{ time: '…', msg: 'dead letter', event: sent[2] }])
  writeJsonLines(path.join(dir, 'late-events.jsonl'), numberedEvents(4, 2))
  return dir
}

/** The bucket the docs name, with two days of Segment's S3 destination's objects (gzipped JSON lines). */
async function fillDocumentedBucket(s3: S3StandIn) {
  await s3.createBucket('my-bucket')
  const lines = (events: unknown[]) => gzipSync(events.map((event) => JSON.stringify(event)).join('\n') + '\n')
  const events = numberedEvents(20, 4)
  await s3.put('my-bucket', 'segment-logs/AbC123xyz/1704067200000/part-1.gz', lines(events.slice(0, 10)))
  await s3.put('my-bucket', 'segment-logs/AbC123xyz/1704153600000/part-1.gz', lines(events.slice(10)))
}

/** The command as printed, pointed at the local S3 server when it reads s3://. */
function localCommand(command: string, s3: S3StandIn): string {
  if (!/s3:\/\//.test(command)) return command
  return command.replace(/\breplay -- /, `replay -- --s3-endpoint ${s3.endpoint} `)
}

function runShell(command: string, cwd: string, port?: number): Promise<{ code: number | null; output: string }> {
  const env = { ...npmReplayEnv(port), ...s3Environment() }
  const child = spawn('sh', ['-c', command.replace(/WOOPRA_REDIRECT_PORT=\d+/g, `WOOPRA_REDIRECT_PORT=${port ?? ''}`)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }) // prettier-ignore
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })))
}

const commands = replayCommands()

describe('replay commands in the docs', () => {
  let woopra: FaultySink
  let s3: S3StandIn
  beforeAll(async () => {
    woopra = await startFaultySink()
    s3 = await startS3()
    await fillDocumentedBucket(s3)
  })
  afterAll(async () => {
    await woopra.close()
    await s3.close()
  })

  it('finds the commands to run (the backfill page and the server page show some)', () => {
    expect(commands.filter(({ doc }) => doc === 'docs/backfill.md').length).toBeGreaterThanOrEqual(5)
    expect(commands.some(({ command }) => /> requests\.jsonl/.test(command))).toBe(true)
    expect(commands.filter(({ command }) => /s3:\/\//.test(command)).length).toBeGreaterThanOrEqual(2)
  })

  it.each(commands.map((entry) => [`${entry.doc}: ${entry.command}`, entry]))('%s', async (_name, { command }) => {
    const dir = packageCopy()
    const before = woopra.requests.length
    const sends = !/--dry-run|--help/.test(command)
    // A dry run needs no stand-in (the bench's redirect would take its requests past the dry run's own agent).
    const { code, output } = await runShell(localCommand(command, s3), dir, sends ? woopra.port : undefined)
    expect([code, output.slice(-2000)]).toEqual([0, expect.any(String)])
    const written = /(?:> |--output )(\S+\.jsonl)/.exec(command)?.[1]
    if (written) {
      const lines = readFileSync(path.join(dir, written), 'utf8').trim().split('\n')
      expect(lines.length).toBeGreaterThan(0)
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow()
    }
    expect(woopra.requests.length > before).toBe(sends)
  })
})
