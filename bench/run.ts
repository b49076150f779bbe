import { mkdirSync, writeFileSync } from 'fs'
import os from 'os'
import path from 'path'
import type { SegmentEvent } from '@segment/actions-core'
import { DEFAULT_SEED, describeMix, generateMix, mixDigest } from './events'
import { formatIsolated, measureIsolated } from './isolate'
import { PATH_IDS, pathInfo } from './paths'
import type { PathId } from './paths'
import { formatProfile, summarizeProfile } from './profile'
import type { ProfileSummary } from './profile'
import { PathProcess } from './path-process'
import type { RunResult } from './protocol'
import { replayBench, REPLAY_USAGE } from './replay'
import { measureWebPackages, sizeTable } from './size'
import { startSink } from './sink'
import type { Sink } from './sink'
import { summarize, table } from './stats'
import type { PathSummary } from './stats'
import { verifyWarmup } from './verify'

// npm run bench [-- --events 3000 --reps 5 --warmup 600 --only a,c --seed N]
// npm run bench -- --profile [--only a]      profile the path(s) with --cpu-prof, summarized over the measured window
// npm run bench -- --isolate                our code alone against the floor's request building (no network)
// npm run bench -- --destination <dir> ...   the same with a candidate copy of src/destinations/woopra
//
// One process per path (forked with ts-node, like `npm run bench` itself), one local sink in this process. Every
// path warms up, then the repetitions run one path at a time, in an order that rotates with each repetition, so
// that the noise of a busy machine spreads over all paths. The sink checks the request count of every run.

const RESULTS_DIR = path.resolve(__dirname, 'results')

interface Options {
  events: number
  reps: number
  warmup: number
  seed: number
  only: PathId[]
  profile: boolean
  isolate: boolean
  destination?: string
}

function parseArgs(argv: string[]): Options {
  const options: Options = { events: 3000, reps: 5, warmup: 600, seed: DEFAULT_SEED, only: [...PATH_IDS], profile: false, isolate: false } // prettier-ignore
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=')
    const value = () => inline ?? argv[++i]
    if (flag === '--events') options.events = Number(value())
    else if (flag === '--reps') options.reps = Number(value())
    else if (flag === '--warmup') options.warmup = Number(value())
    else if (flag === '--seed') options.seed = Number(value())
    else if (flag === '--only')
      options.only = value()
        .split(',')
        .map((id) => pathInfo(id.trim()).id)
    else if (flag === '--profile') options.profile = true
    else if (flag === '--isolate') options.isolate = true
    else if (flag === '--destination') options.destination = path.resolve(value())
    else throw new Error(`Unknown option ${argv[i]}`)
  }
  if (options.profile && argv.every((arg) => !arg.startsWith('--only'))) options.only = ['a']
  if (options.warmup > options.events) options.warmup = options.events
  return options
}

function checkRun(sink: Sink, id: PathId, expected: Record<string, number>) {
  const counts = sink.counts()
  const problems = Object.keys({ ...expected, ...counts }).filter((key) => counts[key] !== expected[key])
  if (problems.length) {
    throw new Error(`path ${id}: the sink received ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}`)
  }
}

function expectedCounts(id: PathId, types: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const type of types) {
    const endpoint = pathInfo(id).endpointFor(type)
    counts[endpoint] = (counts[endpoint] ?? 0) + 1
  }
  return counts
}

export const USAGE = `Usage: npm run bench -- [options]

Sends one seeded mix of Segment events to a local sink through each path (a–e2), each in its own process, and
writes the figures to bench/results/latest.json (partial.json with --only, profile-<paths>.json with --profile).

  --events <n>          events per repetition (default 3000)
  --reps <n>            repetitions (default 5)
  --warmup <n>          warm-up events per path (default 600)
  --seed <n>            the mix's seed (default ${DEFAULT_SEED})
  --only <ids>          a subset of paths, e.g. a,c (writes bench/results/partial.json)
  --profile             profile the path(s) (default: a) with --cpu-prof, summarized by stage
  --isolate             our request building alone against the floor's, no network (bench/results/isolate.json)
  --destination <dir>   measure a candidate copy of src/destinations/woopra instead
  --replay              benchmark npm run replay instead (see npm run bench -- --replay --help)
  --size                the minified and gzipped size of each web package's own code, next to Braze Web
  -h, --help            show this help`

async function main() {
  const argv = process.argv.slice(2)
  if (argv.includes('--replay')) {
    if (argv.includes('--help') || argv.includes('-h')) return console.log(REPLAY_USAGE)
    return replayBench(argv.filter((arg) => arg !== '--replay'))
  }
  if (argv.includes('--help') || argv.includes('-h')) return console.log(USAGE)
  if (argv.includes('--size')) return console.log(sizeTable(await measureWebPackages()))
  let options: Options
  try {
    options = parseArgs(argv)
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (options.destination) process.env.BENCH_DESTINATION = options.destination
  mkdirSync(path.join(RESULTS_DIR, 'profiles'), { recursive: true })
  const started = Date.now()
  const mix = generateMix(options.events, options.seed)
  if (options.isolate) return isolatedOnly(options, mix)
  const digest = mixDigest(mix)
  const types = mix.map((event) => event.type)
  console.log(`mix: ${JSON.stringify(describeMix(mix))} digest ${digest}`)
  console.log(`paths: ${options.only.join(', ')}; ${options.reps} reps × ${options.events} events, ${options.warmup} warm-up events each, concurrency 1`) // prettier-ignore

  const sink = await startSink()
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const processes = options.only.map(
    (id) => new PathProcess(id, sink.port, { ...options, resultsDir: RESULTS_DIR }, stamp)
  )
  try {
    const loaded = new Map<PathId, number>()
    for (const p of processes) {
      const ready = await p.ready
      if (ready.digest !== digest) throw new Error(`path ${p.id}: generated a different mix (${ready.digest})`)
      loaded.set(p.id, ready.rssMB)
    }

    // Warm-up, one path at a time, recording what each path sends for the first events.
    const recorded = new Map<PathId, ReturnType<Sink['recorded']>>()
    for (const p of processes) {
      sink.reset()
      sink.record(true)
      await p.ask({ type: 'warmup', count: options.warmup }, 'warm')
      checkRun(sink, p.id, expectedCounts(p.id, types.slice(0, options.warmup)))
      recorded.set(p.id, sink.recorded().slice())
      sink.record(false)
    }
    const verification = verifyWarmup(recorded, mix.slice(0, options.warmup))
    for (const line of verification.lines) console.log(line)

    const runs = new Map<PathId, RunResult[]>(processes.map((p) => [p.id, []]))
    const expected = new Map(processes.map((p) => [p.id, expectedCounts(p.id, types)]))
    for (let rep = 0; rep < options.reps; rep++) {
      const order = processes.map((_, i) => processes[(i + rep) % processes.length])
      for (const p of order) {
        sink.reset()
        const { result } = await p.ask({ type: 'run', rep }, 'result')
        checkRun(sink, p.id, expected.get(p.id) as Record<string, number>)
        runs.get(p.id)?.push(result)
      }
      process.stdout.write(`rep ${rep + 1}/${options.reps} done (${order.map((p) => p.id).join(' ')})\n`)
    }

    const redirected: Record<string, Record<string, number>> = {}
    for (const p of processes) {
      const bye = await p.finish()
      if (bye.digest !== digest) throw new Error(`path ${p.id}: changed the events it was given`)
      redirected[p.id] = bye.redirected
    }

    const floorRuns = runs.get('c')
    const summaries: PathSummary[] = processes.map((p) =>
      summarize(pathInfo(p.id), runs.get(p.id) ?? [], loaded.get(p.id) ?? 0, floorRuns)
    )
    console.log('')
    console.log(table(summaries))
    console.log('')
    console.log(
      [
        'CPU µs/event: user + system CPU time of the path’s own process ÷ events (the sink runs in the runner’s process).',
        '× floor: the path’s figure ÷ the floor’s (c) in the same repetition; median (min–max) over the repetitions.',
        'RSS: after loading the path (ts-node and TypeScript included, in every process), and peak (getrusage maxrss).'
      ].join('\n')
    )

    const profiles: ProfileSummary[] = []
    for (const p of processes) {
      if (!p.profileFile) continue
      const windows = (runs.get(p.id) ?? []).map(({ startUs, endUs }) => ({ startUs, endUs }))
      const summary = summarizeProfile(p.profileFile, windows, options.events * options.reps)
      profiles.push(summary)
      console.log('')
      console.log(formatProfile(summary))
    }
    const isolated = options.profile ? await measureIsolated(mix) : undefined
    if (isolated) console.log(`\n${formatIsolated(isolated)}`)

    const report = {
      date: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg() }, // prettier-ignore
      options,
      mix: { ...describeMix(mix), seed: options.seed, digest },
      verification: verification.checks,
      redirected,
      table: table(summaries),
      paths: summaries,
      profiles,
      isolated,
      durationS: Math.round((Date.now() - started) / 100) / 10
    }
    const name = options.profile
      ? `profile-${options.only.join('-')}.json`
      : options.only.length < PATH_IDS.length
      ? 'partial.json'
      : 'latest.json'
    writeFileSync(path.join(RESULTS_DIR, name), JSON.stringify(report, null, 2) + '\n')
    console.log(`\nwritten: ${path.relative(process.cwd(), path.join(RESULTS_DIR, name))} (${report.durationS} s)`)
  } finally {
    for (const p of processes) p.kill()
    await sink.close()
  }
}

/** --isolate: our code alone against the floor's request building, in this process, with no network. */
async function isolatedOnly(options: Options, mix: SegmentEvent[]) {
  const isolated = await measureIsolated(mix)
  console.log(formatIsolated(isolated))
  const report = { date: new Date().toISOString(), options, destination: options.destination ?? 'src/destinations/woopra', isolated } // prettier-ignore
  writeFileSync(path.join(RESULTS_DIR, 'isolate.json'), JSON.stringify(report, null, 2) + '\n')
}

main().catch((error: Error) => {
  console.error(error?.stack ?? error)
  process.exit(1)
})
