import { spawn } from 'child_process'
import type { ChildProcess } from 'child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'fs'
import http from 'http'
import type { AddressInfo } from 'net'
import os from 'os'
import path from 'path'
import { gzipSync } from 'zlib'
import type { SegmentEvent } from '@segment/actions-core'
import type { ReplaySummary } from '../../src/replay/replay'
import { installRedirect } from '../../bench/redirect'
import type { Redirect } from '../../bench/redirect'

// For the replay tests: a local stand-in for Woopra that can misbehave, archives of numbered events, and the replay
// command run as a child process (through the bench's redirect, so that nothing leaves the machine).

export const ROOT = path.resolve(__dirname, '../..')

export interface SinkRequest {
  method: string
  host: string
  path: string
  url: string
  query: URLSearchParams
  userAgent: string
  /** The `seq` the test gave the event (ce_seq or cv_seq), if any. */
  seq?: number
  /** How many requests for this seq (or URL) came before this one. */
  attempt: number
  /** Milliseconds since the sink started. */
  at: number
}

/** What the sink does with one request: answer at once, with a status, after a delay, never, or cut the connection. */
export type Answer =
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  | { hang: true }
  | { reset: true }
  /** 200 with a longer content-length than is sent: then silence, or the connection reset. */
  | { cutBody: 'stall' | 'reset' }

export interface FaultySink {
  port: number
  requests: SinkRequest[]
  /** Requests answered 2xx, by seq. */
  delivered(): Map<number, number>
  close(): Promise<void>
}

export async function startFaultySink(
  answer: (request: SinkRequest) => Answer = () => ({ status: 200 })
): Promise<FaultySink> {
  // prettier-ignore
  const requests: SinkRequest[] = []
  const attempts = new Map<string, number>()
  const okBySeq = new Map<number, number>()
  const startedAt = Date.now()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink')
    const seqText = url.searchParams.get('ce_seq') ?? url.searchParams.get('cv_seq')
    const seq = seqText === null ? undefined : Number(seqText)
    const identity = seq === undefined ? req.url ?? '' : `seq:${seq}`
    const attempt = attempts.get(identity) ?? 0
    attempts.set(identity, attempt + 1)
    const request: SinkRequest = {
      method: req.method ?? '',
      host: (req.headers.host ?? '').replace(/:\d+$/, ''),
      path: url.pathname,
      url: req.url ?? '',
      query: url.searchParams,
      userAgent: String(req.headers['user-agent'] ?? ''),
      seq,
      attempt,
      at: Date.now() - startedAt
    }
    requests.push(request)
    req.resume()
    const reply = answer(request)
    if ('hang' in reply) return
    if ('reset' in reply) {
      req.socket.resetAndDestroy()
      return
    }
    if ('cutBody' in reply) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
      res.write('woopra.loa')
      if (reply.cutBody === 'reset') setTimeout(() => req.socket.resetAndDestroy(), 50)
      return
    }
    const send = () => {
      if (reply.status >= 200 && reply.status < 300 && seq !== undefined) okBySeq.set(seq, (okBySeq.get(seq) ?? 0) + 1)
      const body = reply.status < 300 ? 'woopra.loaded();\n' : 'error\n'
      res.writeHead(reply.status, { 'content-type': 'text/plain', 'content-length': String(body.length), ...reply.headers }) // prettier-ignore
      res.end(body)
    }
    if (reply.delayMs) setTimeout(send, reply.delayMs)
    else send()
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    delivered: () => okBySeq,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const tempDirs: string[] = []

/** A new empty folder, removed by removeTempDirs(). */
/**
 * Stand-ins for Woopra for in-process replays, one at a time, that www.woopra.com is redirected to with `lanes`
 * sockets (`redirect: false` for a dry run, which must send nothing). Starting one, or the end of each test, takes the
 * previous one down.
 */
export function woopraStandIns() {
  let sink: FaultySink | undefined
  let redirect: Redirect | undefined
  const stop = async () => {
    redirect?.uninstall()
    redirect = undefined
    await sink?.close()
    sink = undefined
  }
  afterEach(stop)
  return async (answer: (request: SinkRequest) => Answer, options: { lanes: number; redirect?: boolean }) => {
    await stop()
    const started = await startFaultySink(answer)
    sink = started
    if (options.redirect !== false) redirect = installRedirect(started.port, undefined, options.lanes)
    return started
  }
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-test-'))
  tempDirs.push(dir)
  return dir
}

export function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/**
 * Numbered events: `visitors` visitors, each with events of every kind in turn (track, identify, page, and a group
 * that no preset takes), each carrying its number as `seq` (sent as ce_seq or cv_seq). Visitors are identified by
 * user ID, anonymous ID or Woopra cookie.
 */
export function numberedEvents(count: number, visitors = 10): SegmentEvent[] {
  const events: SegmentEvent[] = []
  for (let seq = 1; seq <= count; seq++) {
    const visitor = seq % visitors
    const who =
      visitor % 3 === 0
        ? { userId: `user-${visitor}`, anonymousId: `anon-${visitor}` }
        : visitor % 3 === 1
        ? { anonymousId: `anon-${visitor}` }
        : { anonymousId: `anon-x-${seq}`, integrations: { Woopra: { cookie: `cookie-${visitor}` } } }
    const base = { ...who, messageId: `msg-${seq}`, timestamp: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString() } // prettier-ignore
    const kind = seq % 7
    if (kind === 6) events.push({ ...base, type: 'group', groupId: `g-${visitor}`, traits: { seq } } as SegmentEvent)
    else if (kind === 2) events.push({ ...base, type: 'identify', traits: { seq, plan: 'pro' } } as SegmentEvent)
    else if (kind === 4) events.push({ ...base, type: 'page', name: 'Home', properties: { seq, url: `https://example.com/p/${seq}` } } as SegmentEvent) // prettier-ignore
    else events.push({ ...base, type: 'track', event: 'Order Completed', properties: { seq, revenue: seq / 10 } } as SegmentEvent) // prettier-ignore
  }
  return events
}

export const isSentType = (event: SegmentEvent) => ['track', 'identify', 'page'].includes(event.type)

export function seqOf(event: SegmentEvent): number {
  return ((event.properties ?? event.traits) as { seq: number }).seq
}

export function writeJsonLines(file: string, events: readonly unknown[], gzip = false) {
  const text = events.map((event) => (typeof event === 'string' ? event : JSON.stringify(event))).join('\n') + '\n'
  writeFileSync(file, gzip ? gzipSync(text) : text)
}

export interface CliRun {
  child: ChildProcess
  stdout: string
  stderr: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** `npm run replay`'s command (node itself, as the script runs it) with Woopra redirected to `port`. */
export function spawnReplay(
  args: string[],
  options: { port?: number; cwd?: string; input?: string; env?: Record<string, string> } = {}
): CliRun {
  const child = spawn(
    process.execPath,
    ['-r', require.resolve('ts-node/register/transpile-only'), '-r', path.join(ROOT, 'bench/redirect-preload.ts'), path.join(ROOT, 'src/replay/cli.ts'), ...args], // prettier-ignore
    {
      cwd: options.cwd ?? ROOT,
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
        WOOPRA_REDIRECT_PORT: options.port ? String(options.port) : '',
        ...options.env
      },
      stdio: ['pipe', 'pipe', 'pipe']
    }
  )
  const run = collected(child)
  if (options.input !== undefined) child.stdin?.end(options.input)
  else child.stdin?.end()
  return run
}

/** A child's run: its output as it comes, and how it exits. */
function collected(child: ChildProcess): CliRun {
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  }
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString('utf8')))
  return run
}

/** The summary line a run ends with (the last JSON line on standard error). */
export function summaryOf(stderr: string): ReplaySummary {
  const line = stderr
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.startsWith('{') && text.includes('"msg":"summary"'))
  if (!line) throw new Error(`No summary in:\n${stderr}`)
  return JSON.parse(line) as ReplaySummary
}

/** read = delivered + skipped + dead-lettered, which every run must keep. */
export function expectIdentity(summary: ReplaySummary & { wouldSend?: number }) {
  expect(summary.read).toBe((summary.delivered ?? summary.wouldSend) + summary.skipped + summary.deadLettered)
}

/** Waits until `condition` holds, checking at each turn of the event loop (bounded by the test's timeout). */
export async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20))
}

/** Waits for the run to end and checks its exit status, showing its standard error when it is not the one expected. */
export async function expectExit(run: CliRun, code: number | null, signal: NodeJS.Signals | null = null) {
  const exit = await run.exited
  if (exit.code !== code || exit.signal !== signal) {
    throw new Error(`expected exit ${code} ${signal}, got ${exit.code} ${exit.signal}; stderr:\n${run.stderr.slice(-3000)}`) // prettier-ignore
  }
}

/**
 * The environment for `npm run replay` with Woopra redirected to `port`: the redirect is preloaded through
 * NODE_OPTIONS (into npm too, where it does nothing), and nothing else of the test's own npm leaks in.
 */
export function npmReplayEnv(port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (/^npm_/i.test(key) || key === 'INIT_CWD') delete env[key]
  return {
    ...env,
    NODE_OPTIONS: `--require ${require.resolve('ts-node/register/transpile-only')} --require ${path.join(ROOT, 'bench/redirect-preload.ts')}`, // prettier-ignore
    TS_NODE_TRANSPILE_ONLY: 'true',
    TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
    WOOPRA_REDIRECT_PORT: port ? String(port) : '',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false'
  }
}

/** A word for sh, quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/** `npm --prefix <package> run -s replay -- …` typed in `cwd`, as a user in another folder would. */
export function spawnNpmReplay(args: string[], options: { port?: number; cwd: string }): CliRun {
  const child = spawn('npm', ['--prefix', ROOT, 'run', '-s', 'replay', '--', ...args], {
    cwd: options.cwd,
    env: npmReplayEnv(options.port),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  return collected(child)
}
