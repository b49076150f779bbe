import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs'
import os from 'os'
import path from 'path'
import { gzipSync } from 'zlib'
import { generateMix } from './events'
import { startSink } from './sink'
import { s3Environment, startS3, startS3Proxy } from '../test/s3-stand-in'
import { runReplayCommand } from './replay-process'

// The S3 path of `npm run bench -- --replay`: the same Segment-layout archive (gzipped JSON lines, several objects)
// replayed from a local folder and from a local S3 server (s3rver on 127.0.0.1) behind a proxy adding 0 ms and
// 100 ms to each S3 request, side by side; Woopra is the local sink answering at once, so S3 is what differs.

const BUCKET = 'bench-archive'
const PREFIX = 'segment-logs/BenchSource'
const EVENTS_PER_OBJECT = 2000

export interface S3Point {
  input: string
  s3LatencyMs?: number
  events: number
  seconds: number
  /** Records settled (delivered, skipped, dead-lettered) a second over the whole run. */
  recordsPerSecond: number
  /** Relative to the local folder, measured in the same run. */
  ratioToLocal: number
  peakRssMB: number
  cpuUsPerEvent: number
  /** S3 requests the replay made (listings and GETs). */
  s3Requests?: number
}

interface SummaryLine {
  read: number
  delivered: number
  skipped: number
  deadLettered: number
  durationSeconds: number
  cpuSeconds: number
  peakRssMB: number
}

/** Objects of the archive: a day folder each, `EVENTS_PER_OBJECT` events each, the bench's event mix. */
function archiveObjects(events: number, seed: number): { key: string; body: Buffer }[] {
  const objects: { key: string; body: Buffer }[] = []
  for (let start = 0, index = 0; start < events; start += EVENTS_PER_OBJECT, index++) {
    const batch = generateMix(Math.min(EVENTS_PER_OBJECT, events - start), seed + index)
    const day = Date.UTC(2024, 0, 1 + index)
    const text = batch.map((event) => JSON.stringify(event)).join('\n') + '\n'
    objects.push({ key: `${PREFIX}/${day}/${day + 3_600_000}.events.gz`, body: gzipSync(text) })
  }
  return objects
}

async function runReplayProcess(inputs: string[], extraArgs: string[], nodeOptions: string[]): Promise<SummaryLine> {
  const sink = await startSink(0)
  const work = mkdtempSync(path.join(os.tmpdir(), 'replay-s3-bench-'))
  try {
    const args = ['--project', 'bench.example.com', '--concurrency', '64', '--checkpoint', path.join(work, 'checkpoint.json'), '--dead-letters', path.join(work, 'dead.jsonl'), '--progress-interval', '5', ...extraArgs, ...inputs] // prettier-ignore
    const run = { nodeOptions, sinkPort: sink.port, sockets: 64, env: s3Environment() }
    const { code, stderr, summaryLine: line } = await runReplayCommand(args, run)
    if (code !== 0 || !line) throw new Error(`replay exited with ${code}:\n${stderr.slice(-2000)}`)
    const summary = JSON.parse(line) as SummaryLine
    if (summary.deadLettered !== 0 || sink.total() !== summary.delivered) {
      throw new Error(`replay: the sink received ${sink.total()} requests for ${line}`)
    }
    return summary
  } finally {
    await sink.close()
    rmSync(work, { recursive: true, force: true })
  }
}

function pointOf(input: string, summary: SummaryLine, s3LatencyMs?: number, s3Requests?: number): S3Point {
  const settled = summary.delivered + summary.skipped + summary.deadLettered
  return {
    input,
    ...(s3LatencyMs !== undefined ? { s3LatencyMs } : {}),
    events: summary.read,
    seconds: summary.durationSeconds,
    recordsPerSecond: Math.round((settled / summary.durationSeconds) * 10) / 10,
    ratioToLocal: 1,
    peakRssMB: summary.peakRssMB,
    cpuUsPerEvent: Math.round((summary.cpuSeconds / settled) * 1e6),
    ...(s3Requests !== undefined ? { s3Requests } : {})
  }
}

/** Local folder, then S3 at each added latency, at concurrency 64 against a sink answering at once. */
export async function s3Scenario(
  options: { s3Events: number; seed: number; s3Latency: number[] },
  nodeOptions: string[]
): Promise<S3Point[]> {
  const objects = archiveObjects(options.s3Events, options.seed)
  const folder = mkdtempSync(path.join(os.tmpdir(), 'replay-s3-bench-archive-'))
  const s3 = await startS3()
  const proxy = await startS3Proxy(s3.port)
  try {
    await s3.createBucket(BUCKET)
    for (const object of objects) {
      await s3.put(BUCKET, object.key, object.body)
      mkdirSync(path.dirname(path.join(folder, object.key)), { recursive: true })
      writeFileSync(path.join(folder, object.key), object.body)
    }
    const bytes = objects.reduce((sum, object) => sum + object.body.length, 0)
    console.log(`S3 archive: ${options.s3Events} events in ${objects.length} gzipped objects (${(bytes / 1048576).toFixed(1)} MB), s3rver on 127.0.0.1`) // prettier-ignore
    const local = pointOf('local folder', await runReplayProcess([path.join(folder, PREFIX)], [], nodeOptions))
    console.log(`S3 scenario, local folder: ${local.recordsPerSecond} records/s, peak RSS ${local.peakRssMB} MB`)
    const points = [local]
    for (const latencyMs of options.s3Latency) {
      proxy.delayMs = latencyMs
      proxy.requests.length = 0
      const summary = await runReplayProcess([`s3://${BUCKET}/${PREFIX}`], ['--s3-endpoint', proxy.endpoint], nodeOptions) // prettier-ignore
      const point = pointOf('s3://', summary, latencyMs, proxy.requests.length)
      point.ratioToLocal = Math.round((point.recordsPerSecond / local.recordsPerSecond) * 100) / 100
      points.push(point)
      console.log(`S3 scenario, s3:// with ${latencyMs} ms per S3 request: ${point.recordsPerSecond} records/s (${point.ratioToLocal.toFixed(2)} of the local folder), peak RSS ${point.peakRssMB} MB, ${point.s3Requests} S3 requests`) // prettier-ignore
    }
    return points
  } finally {
    await proxy.close()
    await s3.close()
    rmSync(folder, { recursive: true, force: true })
  }
}

export function formatS3Table(points: S3Point[]): string {
  const header = ['input', 'S3 latency', 'events', 'records/s', 'ratio to local', 'peak RSS MB', 'CPU µs/event', 'S3 requests', 's'] // prettier-ignore
  const rows = points.map((p) => [p.input, p.s3LatencyMs !== undefined ? `${p.s3LatencyMs} ms` : '', String(p.events), String(p.recordsPerSecond), p.ratioToLocal.toFixed(2), String(p.peakRssMB), String(p.cpuUsPerEvent), p.s3Requests !== undefined ? String(p.s3Requests) : '', String(p.seconds)]) // prettier-ignore
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |` // prettier-ignore
  return [line(header), `| ${widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n') // prettier-ignore
}
