import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'fs'
import os from 'os'
import path from 'path'
import { createGzip } from 'zlib'
import { DEFAULT_SEED, generateMix } from './events'
import { PathProcess } from './path-process'
import { formatRateLimitTable, runRateLimitPoint } from './replay-rate-limit'
import type { RateLimitPoint } from './replay-rate-limit'
import { formatS3Table, s3Scenario } from './replay-s3'
import { startSink } from './sink'
import { runReplayCommand } from './replay-process'

// npm run bench -- --replay: `npm run replay` on a generated archive against the local sink, answering at once and
// after 100 ms, at several concurrencies; events/s and peak RSS against the bound each point can reach.

export const REPLAY_USAGE = `npm run bench -- --replay [options]

Replays a generated, gzipped archive of Segment events with \`npm run replay\` (its own process, Woopra redirected to a
local sink) at each latency and concurrency, and reports events/s, peak RSS and the ratio to the bound
min(concurrency / latency, 1 / path (a)'s CPU seconds per event), path (a) being measured in the same run.
Points whose full archive would take long run on a prefix of it sized to about --seconds (said in the table).

  --events <n>        the large archive (default 100000 events)
  --small <n>         the small archive, to compare peak RSS (default 20000; 0 to skip)
  --concurrency <l>   comma-separated concurrencies (default 1,8,64)
  --latency <l>       comma-separated sink latencies in ms (default 0,100)
  --seconds <s>       about how long each bounded point runs after its warm-up (default 12)
  --seed <n>          the events' seed (default ${DEFAULT_SEED})
  --rate-limits <l>   the 429 scenario: comma-separated limits N (requests a second) of a local Woopra that answers
                      429 with Retry-After: 1 beyond them, each replayed for about 40 s at the widest concurrency
                      and each latency; reports accepted/s ÷ N and the 429s (default 50,200; 0 to skip)
  --only-429          run the 429 scenario only
  --s3-events <n>     the S3 scenario: a Segment-layout archive of n events (2000 per gzipped object) replayed from a
                      local folder and from a local S3 server (s3rver) with each --latency added to every S3 request,
                      at concurrency 64 (default 20000; 0 to skip)
  --only-s3           run the S3 scenario only`

interface ReplayBenchOptions {
  events: number
  small: number
  concurrency: number[]
  latency: number[]
  seconds: number
  seed: number
  rateLimits: number[]
  only429: boolean
  s3Events: number
  onlyS3: boolean
}

const ROOT = path.resolve(__dirname, '..')
const RESULTS_DIR = path.resolve(__dirname, 'results')
const PROJECT = 'bench.example.com'
/** The node options of package.json's `replay` script, so that the bench runs the replay as `npm run replay` does. */
const REPLAY_NODE_OPTIONS = nodeOptionsOfScript('replay')

function nodeOptionsOfScript(name: string): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> } // prettier-ignore
  const words = scripts[name].split(/\s+/)
  return words.slice(1, words.indexOf('-r')).filter((word) => word.startsWith('--'))
}

function list(value: string): number[] {
  return value.split(',').map((item) => {
    const number = Number(item.trim())
    if (!Number.isFinite(number) || number < 0) throw new Error(`Not a number: ${item}`)
    return number
  })
}

export function parseReplayArgs(argv: string[]): ReplayBenchOptions {
  const options: ReplayBenchOptions = { events: 100_000, small: 20_000, concurrency: [1, 8, 64], latency: [0, 100], seconds: 12, seed: DEFAULT_SEED, rateLimits: [50, 200], only429: false, s3Events: 20_000, onlyS3: false } // prettier-ignore
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=')
    const value = () => inline ?? argv[++i] ?? ''
    if (flag === '--events') options.events = Number(value())
    else if (flag === '--small') options.small = Number(value())
    else if (flag === '--concurrency') options.concurrency = list(value())
    else if (flag === '--latency') options.latency = list(value())
    else if (flag === '--seconds') options.seconds = Number(value())
    else if (flag === '--seed') options.seed = Number(value())
    else if (flag === '--rate-limits') options.rateLimits = list(value()).filter((limit) => limit > 0)
    else if (flag === '--only-429') options.only429 = true
    else if (flag === '--s3-events') options.s3Events = Number(value())
    else if (flag === '--only-s3') options.onlyS3 = true
    else throw new Error(`Unknown option ${argv[i]} for --replay`)
  }
  return options
}

/** A gzipped JSON-lines archive of `count` events (made once per count and seed, then reused). */
async function ensureArchive(count: number, seed: number): Promise<string> {
  const dir = path.join(RESULTS_DIR, 'archives')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `replay-${count}-${seed}.jsonl.gz`)
  if (existsSync(file)) return file
  const temporary = `${file}.tmp`
  const gzip = createGzip()
  const out = createWriteStream(temporary)
  gzip.pipe(out)
  const batch = 2000
  for (let start = 0; start < count; start += batch) {
    // Batches from consecutive seeds: each has its own visitors, so memory stays that of one batch.
    const events = generateMix(Math.min(batch, count - start), seed + start / batch)
    const text = events.map((event) => JSON.stringify(event)).join('\n') + '\n'
    if (!gzip.write(text)) await new Promise((resolve) => gzip.once('drain', resolve))
  }
  gzip.end()
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject))
  renameSync(temporary, file)
  return file
}

/** Path (a)'s CPU seconds per event, measured as `npm run bench` does (3 runs of 3000 events, median). */
async function measurePathA(seed: number): Promise<number> {
  const sink = await startSink()
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const child = new PathProcess('a', sink.port, { events: 3000, seed, profile: false, resultsDir: RESULTS_DIR }, stamp)
  try {
    await child.ready
    await child.ask({ type: 'warmup', count: 600 }, 'warm')
    const perEvent: number[] = []
    for (let rep = 0; rep < 3; rep++) {
      const { result } = await child.ask({ type: 'run', rep }, 'result')
      perEvent.push((result.cpuUserUs + result.cpuSystemUs) / 1e6 / result.events)
    }
    await child.finish()
    return perEvent.sort((a, b) => a - b)[1]
  } finally {
    child.kill()
    await sink.close()
  }
}

interface ReplaySummaryLine {
  time: string
  read: number
  delivered: number
  skipped: number
  deadLettered: number
  durationSeconds: number
  eventsPerSecond: number
  cpuSeconds: number
  peakRssMB: number
}

interface Point {
  archiveEvents: number
  latencyMs: number
  concurrency: number
  /** Events replayed: the whole archive, or a prefix (--limit). */
  events: number
  prefix: boolean
  /** After the warm-up (the first `warmupEvents`), as path (a) is measured after its warm-up. */
  eventsPerSecond: number
  warmupEvents: number
  /** Over the whole run, warm-up included. */
  wholeRunEventsPerSecond: number
  boundPerSecond: number
  ratio: number
  peakRssMB: number
  cpuUsPerEvent: number
  seconds: number
}

/** One `npm run replay` process (node itself, as the script runs it) against a sink answering after `latencyMs`. */
async function runPoint(
  archive: string,
  archiveEvents: number,
  latencyMs: number,
  concurrency: number,
  limit: number | undefined,
  cpuA: number
): Promise<Point> {
  // prettier-ignore
  const sink = await startSink(latencyMs)
  const work = mkdtempSync(path.join(os.tmpdir(), 'replay-bench-'))
  try {
    const args = ['--project', PROJECT, '--concurrency', String(concurrency), '--checkpoint', path.join(work, 'checkpoint.json'), '--dead-letters', path.join(work, 'dead.jsonl'), '--progress-interval', '1', ...(limit ? ['--limit', String(limit)] : []), archive] // prettier-ignore
    const run = { nodeOptions: REPLAY_NODE_OPTIONS, sinkPort: sink.port, sockets: concurrency }
    const { code, stderr, summaryLine: line } = await runReplayCommand(args, run)
    if (code !== 0 || !line) throw new Error(`replay exited with ${code}:\n${stderr.slice(-2000)}`)
    const summary = JSON.parse(line) as ReplaySummaryLine
    const settled = summary.delivered + summary.skipped + summary.deadLettered
    // The rate after the warm-up: from the first progress line (one a second) past it to the summary.
    const warmupEvents = Math.min(3000, Math.floor(settled * 0.2))
    const progress = stderr
      .split('\n')
      .filter((text) => text.includes('"msg":"progress"'))
      .map((text) => JSON.parse(text) as ReplaySummaryLine)
    const warm = progress.find((entry) => entry.delivered + entry.skipped + entry.deadLettered >= warmupEvents)
    const warmDone = warm ? warm.delivered + warm.skipped + warm.deadLettered : 0
    const warmSeconds = warm ? (Date.parse(summary.time) - Date.parse(warm.time)) / 1000 : 0
    const steady = warm && warmSeconds >= 1 ? (settled - warmDone) / warmSeconds : summary.eventsPerSecond
    if (summary.deadLettered !== 0 || sink.total() !== summary.delivered || summary.read !== settled) {
      throw new Error(`replay: the sink received ${sink.total()} requests for ${JSON.stringify(summary)}`)
    }
    const bound = Math.min(latencyMs > 0 ? concurrency / (latencyMs / 1000) : Infinity, 1 / cpuA)
    return {
      archiveEvents,
      latencyMs,
      concurrency,
      events: summary.read,
      prefix: summary.read < archiveEvents,
      eventsPerSecond: Math.round(steady * 10) / 10,
      warmupEvents: warm && warmSeconds >= 1 ? warmDone : 0,
      wholeRunEventsPerSecond: summary.eventsPerSecond,
      boundPerSecond: Math.round(bound * 10) / 10,
      ratio: Math.round((steady / bound) * 100) / 100,
      peakRssMB: summary.peakRssMB,
      cpuUsPerEvent: Math.round((summary.cpuSeconds / settled) * 1e6),
      seconds: summary.durationSeconds
    }
  } finally {
    await sink.close()
    rmSync(work, { recursive: true, force: true })
  }
}

function formatTable(points: Point[]): string {
  const header = ['archive', 'latency', 'concurrency', 'events replayed', 'events/s', 'bound/s', 'ratio', 'events/s whole run', 'peak RSS MB', 'CPU µs/event', 's'] // prettier-ignore
  const rows = points.map((p) => [
    String(p.archiveEvents),
    `${p.latencyMs} ms`,
    String(p.concurrency),
    p.prefix ? `${p.events} (prefix)` : `${p.events} (all)`,
    String(p.eventsPerSecond),
    String(p.boundPerSecond),
    p.ratio.toFixed(2),
    String(p.wholeRunEventsPerSecond),
    String(p.peakRssMB),
    String(p.cpuUsPerEvent),
    String(p.seconds)
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |` // prettier-ignore
  return [line(header), `| ${widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n') // prettier-ignore
}

/**
 * The 429 scenario: at each latency, a point without a limit (what the replay reaches on this machine now: the bound
 * with N), then each limit, at the widest concurrency; its table is printed.
 */
async function rateLimitScenario(options: ReplayBenchOptions, archive: string): Promise<RateLimitPoint[]> {
  const points: RateLimitPoint[] = []
  const concurrency = Math.max(...options.concurrency)
  if (options.rateLimits.length === 0) return points
  const run = (limitPerSecond: number, latencyMs: number, events?: number) =>
    runRateLimitPoint(archive, { limitPerSecond, retryAfterSeconds: 1, latencyMs, concurrency, nodeOptions: REPLAY_NODE_OPTIONS, events }) // prettier-ignore
  for (const latencyMs of options.latency) {
    const free = await run(Infinity, latencyMs, Math.max(...options.rateLimits) * 20)
    points.push(free)
    console.log(`429 scenario, no limit, latency ${latencyMs} ms: ${free.steadyRatePerSecond}/s after the first 10 s`)
    for (const limitPerSecond of options.rateLimits) {
      const point = await run(limitPerSecond, latencyMs)
      point.boundPerSecond = Math.min(limitPerSecond, free.steadyRatePerSecond)
      point.steadyRatioToBound = Math.round((point.steadyRatePerSecond / point.boundPerSecond) * 100) / 100
      points.push(point)
      console.log(`429 scenario, limit ${limitPerSecond}/s, latency ${latencyMs} ms: ${point.ratePerSecond}/s accepted (${point.ratio.toFixed(2)} of N; ${point.steadyRatio.toFixed(2)} after the first 10 s, ${point.steadyRatioToBound.toFixed(2)} of the bound), ${point.refused} 429s`) // prettier-ignore
    }
  }
  console.log(`\n${formatRateLimitTable(points)}\n`)
  console.log('ratio = requests Woopra accepted a second ÷ N, over the whole run (first request to last) and after its first 10 s (without a limit: the whole run); bound = min(N, the rate reached without a limit at that latency, in this run); 429s and overloads (429s less than 0.5 s apart count as one) as the stand-in counted them.') // prettier-ignore
  return points
}

export async function replayBench(argv: string[]) {
  const options = parseReplayArgs(argv)
  const started = Date.now()
  mkdirSync(RESULTS_DIR, { recursive: true })
  if (options.onlyS3) {
    const s3Points = await s3Scenario({ ...options, s3Latency: options.latency }, REPLAY_NODE_OPTIONS)
    console.log(`\n${formatS3Table(s3Points)}\n`)
    const report = { date: new Date().toISOString(), command: `npm run bench -- --replay ${argv.join(' ')}`.trim(), machine: { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg() }, options, s3Points, s3Table: formatS3Table(s3Points) } // prettier-ignore
    writeFileSync(path.join(RESULTS_DIR, 'replay-s3.json'), JSON.stringify(report, null, 2) + '\n')
    return
  }
  const archive = await ensureArchive(options.events, options.seed)
  if (options.only429) {
    const rateLimitPoints = await rateLimitScenario(options, archive)
    const report = { date: new Date().toISOString(), command: `npm run bench -- --replay ${argv.join(' ')}`.trim(), machine: { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg() }, options, rateLimitPoints, rateLimitTable: formatRateLimitTable(rateLimitPoints) } // prettier-ignore
    writeFileSync(path.join(RESULTS_DIR, 'replay-429.json'), JSON.stringify(report, null, 2) + '\n')
    return
  }
  const small = options.small > 0 ? await ensureArchive(options.small, options.seed) : undefined
  console.log(`archives: ${path.relative(ROOT, archive)} (${options.events} events, ${(statSync(archive).size / 1048576).toFixed(1)} MB gzipped)${small ? `, ${path.relative(ROOT, small)} (${options.small} events, ${(statSync(small).size / 1048576).toFixed(1)} MB)` : ''}`) // prettier-ignore

  const cpuA = await measurePathA(options.seed)
  console.log(`path (a): ${Math.round(cpuA * 1e6)} µs CPU per event (median of 3 runs of 3000) → at most ${Math.round(1 / cpuA)} events/s on one core`) // prettier-ignore

  const points: Point[] = []
  const maxConcurrency = Math.max(...options.concurrency)
  for (const latencyMs of options.latency) {
    for (const concurrency of options.concurrency) {
      const bound = Math.min(latencyMs > 0 ? concurrency / (latencyMs / 1000) : Infinity, 1 / cpuA)
      // The widest point at latency 0 replays the whole archive; the others a prefix of about --seconds.
      const whole = latencyMs === 0 && concurrency === maxConcurrency
      const limit = whole
        ? undefined
        : Math.min(options.events, Math.max(100, Math.round(bound * options.seconds * 1.25)))
      const point = await runPoint(archive, options.events, latencyMs, concurrency, limit, cpuA)
      points.push(point)
      console.log(`latency ${latencyMs} ms, concurrency ${concurrency}: ${point.eventsPerSecond} events/s of ${point.boundPerSecond} (${point.ratio.toFixed(2)}), ${point.events} events, peak RSS ${point.peakRssMB} MB`) // prettier-ignore
    }
  }
  if (small) {
    const point = await runPoint(small, options.small, 0, maxConcurrency, undefined, cpuA)
    points.push(point)
    console.log(`small archive, latency 0 ms, concurrency ${maxConcurrency}: ${point.eventsPerSecond} events/s, peak RSS ${point.peakRssMB} MB`) // prettier-ignore
  }

  const table = formatTable(points)
  console.log(`\n${table}\n`)
  const rateLimitPoints = await rateLimitScenario(options, archive)
  const s3Points = options.s3Events > 0 ? await s3Scenario({ ...options, s3Latency: options.latency }, REPLAY_NODE_OPTIONS) : [] // prettier-ignore
  if (s3Points.length > 0) console.log(`\n${formatS3Table(s3Points)}\n`)
  console.log(
    [
      'events/s: after the warm-up (the first 3000 events, or the first 20% of a shorter run), as path (a) is measured after its own.', // prettier-ignore
      'bound = min(concurrency / latency, 1 / path (a) CPU s per event); ratio = events/s ÷ bound.',
      'Peak RSS: getrusage maxrss of the replay process (ts-node included). CPU µs/event: the replay process, all threads, whole run.' // prettier-ignore
    ].join('\n')
  )
  const report = {
    date: new Date().toISOString(),
    command: `npm run bench -- --replay ${argv.join(' ')}`.trim(),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg() }, // prettier-ignore
    options,
    pathA: { cpuUsPerEvent: Math.round(cpuA * 1e6), boundPerSecond: Math.round(1 / cpuA) },
    points,
    table,
    rateLimitPoints,
    rateLimitTable: formatRateLimitTable(rateLimitPoints),
    s3Points,
    s3Table: formatS3Table(s3Points),
    durationS: Math.round((Date.now() - started) / 100) / 10
  }
  writeFileSync(path.join(RESULTS_DIR, 'replay.json'), JSON.stringify(report, null, 2) + '\n')
  console.log(`written: ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'replay.json'))} (${report.durationS} s)`)
}
