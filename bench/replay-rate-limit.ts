import { mkdtempSync, rmSync } from 'fs'
import http from 'http'
import type { AddressInfo } from 'net'
import os from 'os'
import path from 'path'
import { SlidingWindowLimit } from './rate-limit'
import { runReplayCommand } from './replay-process'

// The replay bench's 429 scenario: `npm run replay` against a local Woopra that accepts at most N requests a second
// for the project and answers 429 with Retry-After beyond. Reported: the rate Woopra accepted ÷ N (whole run, and
// after the first 10 s, once the limit is found), and how many requests were refused. On a busy machine the replay may
// not reach N even without a limit: a point without one, at the same latency, measures what it reaches (the bound).

const PROJECT = 'bench.example.com'
/** Seconds each point runs for, at N events a second. */
const POINT_SECONDS = 40
/** The first seconds, during which the replay finds the limit, left out of the steady rate. */
const DISCOVERY_SECONDS = 10

export interface RateLimitPoint {
  /** Infinity: no limit (the reference point). */
  limitPerSecond: number
  retryAfterSeconds: number
  latencyMs: number
  concurrency: number
  events: number
  delivered: number
  deadLettered: number
  /** Requests refused with 429. */
  refused: number
  /** 429s less than half a second apart count as one overload. */
  overloads: number
  seconds: number
  ratePerSecond: number
  ratio: number
  steadyRatePerSecond: number
  steadyRatio: number
  /** min(N, what the replay reached without a limit in this run), and the steady rate ÷ that. */
  boundPerSecond?: number
  steadyRatioToBound?: number
}

interface LimitedSink {
  port: number
  accepted: number[]
  refused: number[]
  close(): Promise<void>
}

/** A Woopra stand-in limiting to `perSecond` (sliding window), answering after `latencyMs`; times in ms. */
async function startLimitedSink(perSecond: number, retryAfterSeconds: number, latencyMs: number): Promise<LimitedSink> {
  const limit = new SlidingWindowLimit(perSecond)
  const accepted: number[] = []
  const refused: number[] = []
  const server = http.createServer((req, res) => {
    req.resume()
    const at = Date.now()
    const ok = limit.take(at)
    ;(ok ? accepted : refused).push(at)
    const body = ok ? 'woopra.loaded();\n' : 'Too Many Requests\n'
    const headers = { 'content-type': 'text/plain', 'content-length': String(body.length), ...(ok ? {} : { 'retry-after': String(retryAfterSeconds) }) } // prettier-ignore
    const answer = () => {
      res.writeHead(ok ? 200 : 429, headers)
      res.end(body)
    }
    if (latencyMs > 0) setTimeout(answer, latencyMs)
    else answer()
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function countOverloads(refused: number[]): number {
  return refused.filter((at, i) => i === 0 || at - refused[i - 1] >= 500).length
}

/** One `npm run replay` (node itself, with the script's node options) of `events` events against the limited sink. */
export async function runRateLimitPoint(
  archive: string,
  options: { limitPerSecond: number; retryAfterSeconds: number; latencyMs: number; concurrency: number; nodeOptions: string[]; events?: number } // prettier-ignore
): Promise<RateLimitPoint> {
  const { limitPerSecond, retryAfterSeconds, latencyMs, concurrency } = options
  const sink = await startLimitedSink(limitPerSecond, retryAfterSeconds, latencyMs)
  const work = mkdtempSync(path.join(os.tmpdir(), 'replay-429-bench-'))
  const events = options.events ?? limitPerSecond * POINT_SECONDS
  try {
    const args = ['--project', PROJECT, '--concurrency', String(concurrency), '--limit', String(events), '--checkpoint', path.join(work, 'checkpoint.json'), '--dead-letters', path.join(work, 'dead.jsonl'), '--progress-interval', '60', archive] // prettier-ignore
    const run = { nodeOptions: options.nodeOptions, sinkPort: sink.port, sockets: concurrency }
    const { code, stderr, summaryLine: line } = await runReplayCommand(args, run)
    if (!line || (code !== 0 && code !== 1)) throw new Error(`replay exited with ${code}:\n${stderr.slice(-2000)}`)
    const summary = JSON.parse(line) as { delivered: number; deadLettered: number }
    if (summary.delivered !== sink.accepted.length) {
      throw new Error(`replay: ${summary.delivered} delivered, but the sink accepted ${sink.accepted.length}`)
    }
    const first = Math.min(sink.accepted[0], sink.refused[0] ?? Infinity)
    const last = sink.accepted[sink.accepted.length - 1]
    const seconds = (last - first) / 1000
    // Without a limit there is nothing to discover: the whole run is steady (a short one would otherwise have no rate).
    const steadyFrom = first + (Number.isFinite(limitPerSecond) ? DISCOVERY_SECONDS * 1000 : 0)
    const steadyCount = sink.accepted.filter((at) => at >= steadyFrom).length
    const ratePerSecond = sink.accepted.length / seconds
    const steadyRatePerSecond = steadyCount / ((last - steadyFrom) / 1000)
    const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places
    return {
      limitPerSecond,
      retryAfterSeconds,
      latencyMs,
      concurrency,
      events,
      delivered: summary.delivered,
      deadLettered: summary.deadLettered,
      refused: sink.refused.length,
      overloads: countOverloads(sink.refused),
      seconds: round(seconds),
      ratePerSecond: round(ratePerSecond),
      ratio: round(ratePerSecond / limitPerSecond, 2),
      steadyRatePerSecond: round(steadyRatePerSecond),
      steadyRatio: round(steadyRatePerSecond / limitPerSecond, 2)
    }
  } finally {
    await sink.close()
    rmSync(work, { recursive: true, force: true })
  }
}

export function formatRateLimitTable(points: RateLimitPoint[]): string {
  const header = ['limit N/s', 'Retry-After', 'latency', 'concurrency', 'events', 'accepted/s', 'ratio', `after ${DISCOVERY_SECONDS} s/s`, 'ratio after', 'bound/s', '÷ bound', '429s', 'overloads', 'dead', 's'] // prettier-ignore
  const rows = points.map((p) => [
    Number.isFinite(p.limitPerSecond) ? String(p.limitPerSecond) : 'none',
    `${p.retryAfterSeconds} s`,
    `${p.latencyMs} ms`,
    String(p.concurrency),
    String(p.events),
    String(p.ratePerSecond),
    Number.isFinite(p.limitPerSecond) ? p.ratio.toFixed(2) : '',
    String(p.steadyRatePerSecond),
    Number.isFinite(p.limitPerSecond) ? p.steadyRatio.toFixed(2) : '',
    p.boundPerSecond === undefined ? '' : String(p.boundPerSecond),
    p.steadyRatioToBound === undefined ? '' : p.steadyRatioToBound.toFixed(2),
    String(p.refused),
    String(p.overloads),
    String(p.deadLettered),
    String(p.seconds)
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padStart(widths[i])).join(' | ')} |`
  return [line(header), `| ${widths.map((w) => `${'-'.repeat(w - 1)}:`).join(' | ')} |`, ...rows.map(line)].join('\n')
}
