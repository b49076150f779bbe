import { parseArgs } from 'util'
import type { DestinationDefinition, Subscription } from '@segment/actions-core'
import { DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, presetSubscriptions } from '../delivery'
import { didYouMean } from '../cli/nearest'
import { parseShard } from './shard'
import type { Shard } from './shard'
import { checkSubscription, readSettings, readSubscriptions, UsageError } from './subscriptions'

// The flags of `npm run replay` and what they mean, checked before anything is read or sent.

/** Exit statuses, documented in USAGE and in docs/backfill.md. */
export const EXIT = { ok: 0, deadLettered: 1, usage: 2, noEvents: 3, interrupted: 130 } as const

export const USAGE = `Usage: npm run replay -- [options] <file|folder|s3://bucket/prefix|->...

Sends the Segment events of an archive to Woopra through the Woopra (Actions) destination, as Segment's runtime
would: each event through the destination's subscriptions (its presets unless --subscriptions), in file order per
visitor, with retries, a dead-letter file for what fails, and a checkpoint to resume from.

Inputs: files, folders (read recursively, in name order, hidden files left out), s3://bucket/prefix (the objects
under the prefix, in key order, streamed; AWS credentials and region from the standard chain: AWS_PROFILE,
AWS_ACCESS_KEY_ID, AWS_REGION, a role; needs s3:ListBucket and s3:GetObject), or - for standard input. Each is JSON
lines or one JSON array of events, plain or gzipped (told by the content, not the name). Relative paths, here
and in every option, are relative to the directory the command is typed in (also under npm run); the checkpoint and
dead-letter files are written there by default.

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
                            checkpoint file, starts from the beginning); a source that changed since (its size,
                            modification time or first megabyte; an S3 object's ETag) is refused, naming it
  --resume-changed          --resume, taking changed sources as they are now: their records up to the numbers
                            the checkpoint settled are not sent again (right for a file that only grew)
  --dead-letters <file>     dead-letter file, JSON lines (default replay-dead-letters.jsonl, or
                            replay-dead-letters.shard-K-of-N.jsonl); emptied at the start unless --resume
  --shard <K/N>             send only the visitors whose key hashes to shard K of N (K from 0), e.g. 0/4
  --dry-run                 send nothing: write each Woopra request that would be sent as a JSON line (to standard
                            output, or --output); no checkpoint; dead letters go to replay-dead-letters.dry-run.jsonl
  --s3-endpoint <url>       an S3-compatible store (MinIO, Ceph, …) for the s3:// inputs, addressed path-style
  --output <file>           with --dry-run: write the requests to this file instead of standard output (- for
                            standard output)
  --limit <n>               read at most n events (of this shard), e.g. to try a sample
  --dedupe-window <n>       skip an event whose messageId was among the last n events read, as Segment deduplicates
                            (default 100000; 0 to send every duplicate)
  --allow-empty             an input with no event at all is a success (exit 0), not exit 3
  --drain-timeout <s>       on Ctrl+C or SIGTERM, how long to let events in flight finish (default 30)
  --progress-interval <s>   seconds between progress lines when standard error is not a terminal (default 5)
  -h, --help                show this help

Progress goes to standard error: a progress bar on a terminal, else one JSON line every few seconds. The run ends
with a summary (read = delivered + skipped + dead-lettered; in a dry run, wouldSend instead of delivered). Their
eventsPerSecond counts the events delivered to Woopra (in a dry run: the requests written) per second, over the last
10 s in progress lines and over the whole run in the summary; skipped and dead-lettered events are not in it. The
estimated total counts records (events and lines that are not) from the share of the input's bytes read so far
(compressed bytes for gzip), capped by --limit. Ctrl+C (or SIGTERM) stops reading, lets the events in
flight finish, writes the checkpoint and the summary; a second Ctrl+C, a second or more later, exits at once.
Standard output carries nothing but the --dry-run requests (use npm run -s, or --output, to keep npm's own lines
out of a file).

Exit status: 0 when every event was read and none was dead-lettered; 1 when some were dead-lettered (or not
finished); 2 for a usage error, a check before the first event (options, settings, subscriptions, inputs, files
that cannot be written) or a stop the run cannot go past (such as S3 refusing access); 3 when the inputs hold no
event at all (see --allow-empty); 130 when interrupted.`

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
  acceptChangedSources: boolean
  deadLetterFile: string
  shard?: Shard
  dryRun: boolean
  /** Where dry-run requests go: undefined or '-' for standard output. */
  outputFile?: string
  limit?: number
  dedupeWindow: number
  allowEmpty: boolean
  drainTimeoutMs: number
  progressIntervalMs: number
  s3Endpoint?: string
}

const FLAGS = {
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
  'resume-changed': { type: 'boolean' },
  'dead-letters': { type: 'string' },
  shard: { type: 'string' },
  'dry-run': { type: 'boolean' },
  output: { type: 'string' },
  limit: { type: 'string' },
  'dedupe-window': { type: 'string' },
  'allow-empty': { type: 'boolean' },
  'drain-timeout': { type: 'string' },
  'progress-interval': { type: 'string' },
  's3-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

type Values = ReturnType<typeof parseFlags>['values']

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

/** Node's parser, its errors said as a person would: the nearest known flag for an unknown one. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: true, options: FLAGS })
  } catch (error) {
    const { code, message } = error as { code?: string; message: string }
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const known = Object.keys(FLAGS).map((name) => `--${name}`)
      throw new UsageError(`Unknown option ${unknown}.${didYouMean(unknown.replace(/=.*$/, ''), known, (name) => name)}`) // prettier-ignore
    }
    const missing = /Option '(-\S+?)(?:, (--\S+))? <value>' argument missing/.exec(message)
    if (missing) throw new UsageError(`${missing[2] ?? missing[1]} needs a value.`)
    throw new UsageError(message)
  }
}

function settingsOf<S>(values: Values, env: NodeJS.ProcessEnv, definition: DestinationDefinition<S>) {
  const settings: Record<string, unknown> = values.settings !== undefined ? { ...readSettings(values.settings, definition) } : {} // prettier-ignore
  const project = values.project ?? (env.WOOPRA_PROJECT?.trim() ? env.WOOPRA_PROJECT : undefined)
  if (project !== undefined) settings.project = project
  if (settings.project === undefined) throw new UsageError('Give the Woopra project: --project <name>, WOOPRA_PROJECT or --settings <file>.') // prettier-ignore
  return settings
}

function subscriptionsOf<S>(values: Values, definition: DestinationDefinition<S>): Subscription[] {
  if (values.subscriptions !== undefined) return readSubscriptions(values.subscriptions, definition)
  // The presets are checked as a file would be: a definition whose presets cannot run stops here, not per event.
  return presetSubscriptions(definition).map((preset) => checkSubscription(preset, definition, `preset "${preset.name ?? preset.partnerAction}"`) as Subscription) // prettier-ignore
}

function backoffOf(values: Values): CliOptions['backoff'] {
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
  return backoff
}

function shardOf(values: Values): Shard | undefined {
  if (values.shard === undefined) return undefined
  try {
    return parseShard(values.shard)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** The options flags and environment give; undefined when help was asked for. Throws UsageError. */
export function parseCli<S>(
  argv: string[],
  env: NodeJS.ProcessEnv,
  definition: DestinationDefinition<S>
): CliOptions | undefined {
  const { values, positionals } = parseFlags(argv)
  if (values.help) return undefined
  if (positionals.length === 0) throw new UsageError('Name at least one file or folder to replay (or - for standard input).') // prettier-ignore
  const settings = settingsOf(values, env, definition)
  const shard = shardOf(values)
  const suffix = shard ? `.shard-${shard.index}-of-${shard.count}` : ''
  const dryRun = values['dry-run'] === true
  if (values['resume-changed']) values.resume = true
  if (dryRun && values.resume) throw new UsageError('--dry-run writes no checkpoint, so it cannot --resume.')
  if (values.output !== undefined && !dryRun) throw new UsageError('--output writes the requests of a dry run: add --dry-run (nothing is sent then).') // prettier-ignore
  const number = (flag: keyof Values, parse: (flag: string, value: string) => number, otherwise: number) =>
    values[flag] !== undefined ? parse(`--${flag}`, values[flag] as string) : otherwise
  return {
    inputs: positionals,
    settings,
    subscriptions: subscriptionsOf(values, definition),
    concurrency: number('concurrency', positiveInteger, 8),
    rate: values.rate !== undefined ? positiveNumber('--rate', values.rate) : undefined,
    maxAttempts: number('max-attempts', positiveInteger, DEFAULT_MAX_ATTEMPTS),
    backoff: backoffOf(values),
    checkpointFile: dryRun ? undefined : values.checkpoint ?? `replay-checkpoint${suffix}.json`,
    resume: values.resume === true,
    acceptChangedSources: values['resume-changed'] === true,
    deadLetterFile: values['dead-letters'] ?? `replay-dead-letters${suffix}${dryRun ? '.dry-run' : ''}.jsonl`,
    shard,
    dryRun,
    outputFile: values.output,
    limit: values.limit !== undefined ? positiveInteger('--limit', values.limit) : undefined,
    dedupeWindow: number('dedupe-window', (flag, value) => positiveInteger(flag, value, 0), 100_000),
    allowEmpty: values['allow-empty'] === true,
    drainTimeoutMs: number('drain-timeout', positiveNumber, 30) * 1000,
    progressIntervalMs: number('progress-interval', positiveNumber, 5) * 1000,
    s3Endpoint: values['s3-endpoint'] !== undefined ? httpUrl('--s3-endpoint', values['s3-endpoint']) : undefined
  }
}
