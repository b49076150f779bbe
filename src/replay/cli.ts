import { existsSync, readFileSync } from 'fs'
import { parseArgs } from 'util'
import { Destination } from '@segment/actions-core'
import type { DestinationDefinition, Subscription } from '@segment/actions-core'
import { parseFql } from '@segment/destination-subscriptions'
import woopra from '../destinations/woopra'
import { DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, presetSubscriptions } from '../delivery'
import { CheckpointError, loadCheckpoint } from './checkpoint'
import { runReplay } from './replay'
import type { ReplaySummary } from './replay'
import { formatShard, parseShard } from './shard'
import type { Shard } from './shard'
import { InputError } from './sources'

// `npm run replay`: send a Segment event archive to Woopra through the destination, resumable, in order per visitor.

export const USAGE = `Usage: npm run replay -- [options] <file|folder|s3://bucket/prefix|->...

Sends the Segment events of an archive to Woopra through the Woopra (Actions) destination, as Segment's runtime
would: each event through the destination's subscriptions (its presets unless --subscriptions), in file order per
visitor, with retries, a dead-letter file for what fails, and a checkpoint to resume from.

Inputs: files, folders (read recursively, in name order, hidden files left out), s3://bucket/prefix (the objects
under the prefix, in key order, streamed; AWS credentials and region from the standard chain: AWS_PROFILE,
AWS_ACCESS_KEY_ID, AWS_REGION, a role; needs s3:ListBucket and s3:GetObject), or - for standard input. Each is JSON
lines or one JSON array of events, plain or gzipped (told by the content, not the name).

Options:
  --project <name>          Woopra project, e.g. example.com (WOOPRA_PROJECT); overrides --settings' project
  --settings <file>         the destination's settings as a JSON object, e.g. {"project":"example.com"}
  --subscriptions <file>    subscriptions as a JSON array of {subscribe, partnerAction, mapping} (as a customer's
                            configured mappings look); default: the destination's presets (track, identify, page)
  --concurrency <n>         deliveries at once (default 8); events of one visitor never run at once
  --rate <n>                at most n Woopra requests per second, retries included (default: no limit)
  --max-attempts <n>        tries per event, the first included, before it is dead-lettered (default ${DEFAULT_MAX_ATTEMPTS})
  --backoff <base,max>      retry backoff in ms: exponential from base, at most max, with jitter (default ${DEFAULT_BACKOFF.baseMs},${DEFAULT_BACKOFF.maxMs});
                            a longer Retry-After from Woopra wins, up to --max-retry-after
  --max-retry-after <s>     the longest a Retry-After may hold the replay (default 60, or the backoff's max if
                            longer); a 429 pauses every visitor's events, not only its own, until its Retry-After,
                            then the rate ramps back up from 90% of what Woopra accepted (Woopra limits per project)
  --checkpoint <file>       checkpoint file (default replay-checkpoint.json, or replay-checkpoint.shard-K-of-N.json)
  --resume                  continue from the checkpoint: what it holds as settled is not sent again (without a
                            checkpoint file, starts from the beginning)
  --dead-letters <file>     dead-letter file, JSON lines (default replay-dead-letters.jsonl, or
                            replay-dead-letters.shard-K-of-N.jsonl); emptied at the start unless --resume
  --shard <K/N>             send only the visitors whose key hashes to shard K of N (K from 0), e.g. 0/4
  --dry-run                 send nothing: write each Woopra request that would be sent to standard output as a JSON
                            line; no checkpoint; dead letters go to replay-dead-letters.dry-run.jsonl
  --s3-endpoint <url>       an S3-compatible store (MinIO, Ceph, …) for the s3:// inputs, addressed path-style
  --limit <n>               read at most n events (of this shard), e.g. to try a sample
  --dedupe-window <n>       skip an event whose messageId was among the last n events read, as Segment deduplicates
                            (default 100000; 0 to send every duplicate)
  --drain-timeout <s>       on Ctrl+C or SIGTERM, how long to let events in flight finish (default 30)
  --progress-interval <s>   seconds between progress lines when standard error is not a terminal (default 5)
  -h, --help                show this help

Progress goes to standard error: a progress bar on a terminal, else one JSON line every few seconds. The run ends
with a summary (read = delivered + skipped + dead-lettered). Exit status: 0 when every event was read and none was
dead-lettered; 1 when some were dead-lettered; 2 for a usage error; 130 when interrupted (Ctrl+C, SIGTERM).`

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface CliOptions {
  inputs: string[]
  settings: Record<string, unknown>
  subscriptions: Subscription[]
  concurrency: number
  rate?: number
  maxAttempts: number
  backoff: { baseMs: number; maxMs: number; maxRetryAfterMs?: number }
  checkpointFile?: string
  resume: boolean
  deadLetterFile: string
  shard?: Shard
  dryRun: boolean
  limit?: number
  dedupeWindow: number
  drainTimeoutMs: number
  progressIntervalMs: number
  s3Endpoint?: string
}

function positiveInteger(flag: string, value: string, min = 1): number {
  const number = Number(value)
  if (!/^\d+$/.test(value.trim()) || number < min || !Number.isSafeInteger(number)) {
    throw new UsageError(`${flag} takes a whole number of at least ${min}, not "${value}".`)
  }
  return number
}

function positiveNumber(flag: string, value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`${flag} takes a number above 0, not "${value}".`)
  }
  return number
}

function httpUrl(flag: string, value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) {
    throw new UsageError(`${flag} takes an http(s) URL, e.g. https://minio.example.com:9000, not "${value}".`)
  }
  return value
}

function readJson(flag: string, file: string): unknown {
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`) // prettier-ignore
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${flag}: ${file} is not JSON (${(error as Error).message}).`)
  }
}

/** The subscriptions of a file: an array, or an object with a `subscriptions` array; each checked here. */
export function readSubscriptions<S>(file: string, definition: DestinationDefinition<S>): Subscription[] {
  const json = readJson('--subscriptions', file)
  const list = Array.isArray(json) ? json : (json as { subscriptions?: unknown } | null)?.subscriptions
  if (!Array.isArray(list) || list.length === 0) {
    throw new UsageError('--subscriptions: the file must hold a non-empty JSON array of subscriptions.')
  }
  const subscriptions: Subscription[] = []
  list.forEach((entry: unknown, index) => {
    const where = `--subscriptions: subscription ${index + 1}`
    if (typeof entry !== 'object' || entry === null) throw new UsageError(`${where} is not an object.`)
    const { subscribe, partnerAction, mapping, name, enabled } = entry as Record<string, unknown>
    if (typeof subscribe !== 'string' || subscribe.trim() === '') throw new UsageError(`${where} has no "subscribe".`)
    const parsed = parseFql(subscribe)
    if ('error' in parsed && parsed.error) {
      throw new UsageError(`${where}: "subscribe" is not valid FQL (${parsed.error.message}).`)
    }
    if (typeof partnerAction !== 'string' || !(partnerAction in definition.actions)) {
      throw new UsageError(`${where}: "partnerAction" must be one of ${Object.keys(definition.actions).join(', ')}.`)
    }
    if (mapping !== undefined && (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping))) {
      throw new UsageError(`${where}: "mapping" must be an object.`)
    }
    if (enabled === false) return
    subscriptions.push({ ...(typeof name === 'string' ? { name } : {}), subscribe, partnerAction, mapping: (mapping ?? {}) as Subscription['mapping'] }) // prettier-ignore
  })
  if (subscriptions.length === 0) throw new UsageError('--subscriptions: every subscription is disabled.')
  return subscriptions
}

/** The options flags and environment give; undefined when help was asked for. Throws UsageError. */
export function parseCli<S>(
  argv: string[],
  env: NodeJS.ProcessEnv,
  definition: DestinationDefinition<S>
): CliOptions | undefined {
  let values
  let positionals
  try {
    ;({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        settings: { type: 'string' },
        subscriptions: { type: 'string' },
        concurrency: { type: 'string' },
        rate: { type: 'string' },
        'max-attempts': { type: 'string' },
        backoff: { type: 'string' },
        'max-retry-after': { type: 'string' },
        checkpoint: { type: 'string' },
        resume: { type: 'boolean' },
        'dead-letters': { type: 'string' },
        shard: { type: 'string' },
        'dry-run': { type: 'boolean' },
        limit: { type: 'string' },
        'dedupe-window': { type: 'string' },
        'drain-timeout': { type: 'string' },
        'progress-interval': { type: 'string' },
        's3-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) return undefined
  if (positionals.length === 0) throw new UsageError('Name at least one file or folder to replay (or - for standard input).') // prettier-ignore

  const settings: Record<string, unknown> = {}
  if (values.settings !== undefined) {
    const json = readJson('--settings', values.settings)
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UsageError('--settings: the file must hold a JSON object of settings.')
    }
    Object.assign(settings, json)
  }
  const project = values.project ?? (env.WOOPRA_PROJECT?.trim() ? env.WOOPRA_PROJECT : undefined)
  if (project !== undefined) settings.project = project
  if (settings.project === undefined) throw new UsageError('Give the Woopra project: --project <name>, WOOPRA_PROJECT or --settings <file>.') // prettier-ignore

  let shard: Shard | undefined
  if (values.shard !== undefined) {
    try {
      shard = parseShard(values.shard)
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
  }
  const suffix = shard ? `.shard-${shard.index}-of-${shard.count}` : ''
  const dryRun = values['dry-run'] === true
  if (dryRun && values.resume) throw new UsageError('--dry-run writes no checkpoint, so it cannot --resume.')

  let backoff: CliOptions['backoff'] = DEFAULT_BACKOFF
  if (values.backoff !== undefined) {
    const [base, max] = values.backoff.split(',')
    backoff = { baseMs: positiveInteger('--backoff', base ?? '', 0), maxMs: positiveInteger('--backoff', max ?? base ?? '', 0) } // prettier-ignore
    if (backoff.maxMs < backoff.baseMs) throw new UsageError('--backoff: the maximum must not be below the base.')
  }
  if (values['max-retry-after'] !== undefined) {
    const maxRetryAfterMs = Math.round(positiveNumber('--max-retry-after', values['max-retry-after']) * 1000)
    backoff = { ...backoff, maxRetryAfterMs }
  }

  return {
    inputs: positionals,
    settings,
    subscriptions: values.subscriptions !== undefined ? readSubscriptions(values.subscriptions, definition) : presetSubscriptions(definition), // prettier-ignore
    concurrency: values.concurrency !== undefined ? positiveInteger('--concurrency', values.concurrency) : 8,
    rate: values.rate !== undefined ? positiveNumber('--rate', values.rate) : undefined,
    maxAttempts:
      values['max-attempts'] !== undefined
        ? positiveInteger('--max-attempts', values['max-attempts'])
        : DEFAULT_MAX_ATTEMPTS,
    backoff,
    checkpointFile: dryRun ? undefined : values.checkpoint ?? `replay-checkpoint${suffix}.json`,
    resume: values.resume === true,
    deadLetterFile: values['dead-letters'] ?? `replay-dead-letters${suffix}${dryRun ? '.dry-run' : ''}.jsonl`,
    shard,
    dryRun,
    limit: values.limit !== undefined ? positiveInteger('--limit', values.limit) : undefined,
    dedupeWindow: values['dedupe-window'] !== undefined ? positiveInteger('--dedupe-window', values['dedupe-window'], 0) : 100_000, // prettier-ignore
    drainTimeoutMs: (values['drain-timeout'] !== undefined ? positiveNumber('--drain-timeout', values['drain-timeout']) : 30) * 1000, // prettier-ignore
    s3Endpoint: values['s3-endpoint'] !== undefined ? httpUrl('--s3-endpoint', values['s3-endpoint']) : undefined,
    progressIntervalMs: (values['progress-interval'] !== undefined ? positiveNumber('--progress-interval', values['progress-interval']) : 5) * 1000 // prettier-ignore
  }
}

/** Exit status of a finished run. */
export function exitCode(summary: ReplaySummary): number {
  if (summary.interrupted) return 130
  if (summary.stoppedBy) return 2
  return summary.deadLettered > 0 || summary.notFinished > 0 ? 1 : 0
}

export function formatSummary(summary: ReplaySummary): string {
  const lines = [
    `read ${summary.read} = delivered ${summary.delivered} + skipped ${summary.skipped} + dead-lettered ${summary.deadLettered}`, // prettier-ignore
    `  skipped: ${summary.skippedDuplicates} duplicate messageId, ${summary.skippedDisabled} turned off by integrations, ${summary.skippedSentByTracker} sent by Woopra's browser tracker, ${summary.skipped - summary.skippedDuplicates - summary.skippedDisabled - summary.skippedSentByTracker} matching no subscription`, // prettier-ignore
    `  retries ${summary.retries}; already settled by an earlier run ${summary.alreadySettled}; other shards ${summary.otherShards}`, // prettier-ignore
    `  ${summary.eventsPerSecond} events/s over ${summary.durationSeconds} s; peak RSS ${summary.peakRssMB} MB`
  ]
  if (summary.deadLettered > 0) lines.push(`  dead letters: ${summary.deadLetters}`)
  if (summary.notFinished > 0) lines.push(`  ${summary.notFinished} events read ahead were not settled (not started, or still in flight when the drain timed out); --resume sends them`) // prettier-ignore
  if (summary.stoppedBy) lines.push(`  stopped: ${summary.stoppedBy} Fix it, then run the same command with --resume.`) // prettier-ignore
  if (summary.interrupted) lines.push(`  interrupted: continue with the same command and --resume (checkpoint ${summary.checkpoint ?? 'none'})`) // prettier-ignore
  return lines.join('\n')
}

async function main(): Promise<number> {
  let options: CliOptions | undefined
  try {
    options = parseCli(process.argv.slice(2), process.env, woopra)
    if (!options) {
      process.stdout.write(`${USAGE}\n`)
      return 0
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\nRun npm run replay -- --help for the options.\n`)
      return 2
    }
    throw error
  }
  try {
    // The destination's own check of its settings (no request), so that bad settings stop the run before it starts.
    await new Destination(woopra).testAuthentication(options.settings as never)
  } catch (error) {
    process.stderr.write(`The settings are not valid: ${(error as Error)?.message ?? String(error)}\n`)
    return 2
  }

  let previous
  if (options.checkpointFile) {
    if (existsSync(options.checkpointFile) && !options.resume) {
      process.stderr.write(`${options.checkpointFile} exists from an earlier run: add --resume to continue it, or delete it to start over.\n`) // prettier-ignore
      return 2
    }
    try {
      previous = options.resume ? loadCheckpoint(options.checkpointFile) : undefined
    } catch (error) {
      if (error instanceof CheckpointError) {
        process.stderr.write(`${error.message}\n`)
        return 2
      }
      throw error
    }
    const shard = options.shard ? formatShard(options.shard) : undefined
    if (previous && previous.shard !== shard) {
      process.stderr.write(`${options.checkpointFile} is the checkpoint of shard ${previous.shard ?? 'none'}, not ${shard ?? 'none'}.\n`) // prettier-ignore
      return 2
    }
  }

  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // A second Ctrl+C: leave now. The checkpoint's journal is already on disk, so --resume still holds.
      process.stderr.write(`${signal} again: exiting without waiting.\n`)
      process.exit(130)
    }
    process.stderr.write(`\n${signal}: reading stopped; letting events in flight finish (up to ${(options?.drainTimeoutMs ?? 0) / 1000} s)…\n`) // prettier-ignore
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A reader that goes away (`--dry-run | head`) stops the run as Ctrl+C does, instead of crashing on EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    if (!controller.signal.aborted) controller.abort()
  })

  try {
    const summary = await runReplay({
      ...options,
      definition: woopra as unknown as DestinationDefinition<Record<string, unknown>>,
      previous,
      appendDeadLetters: options.resume,
      dryRunOutput: options.dryRun ? process.stdout : undefined,
      progressStream: process.stderr,
      signal: controller.signal
    })
    if (process.stderr.isTTY) process.stderr.write(`${formatSummary(summary)}\n`)
    if (summary.stoppedBy) process.stderr.write(`${summary.stoppedBy}\n`)
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg: 'summary', ...summary })}\n`)
    return exitCode(summary)
  } catch (error) {
    if (error instanceof InputError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    throw error
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      // After an interruption, requests that outlived the drain may still hold the event loop (up to the
      // destination's timeout): they are not settled, the checkpoint and summary are written, so leave now.
      if (code === 130) process.exit(code)
      process.exitCode = code
    },
    (error: Error) => {
      process.stderr.write(`${error?.stack ?? String(error)}\n`)
      process.exitCode = 1
    }
  )
}
