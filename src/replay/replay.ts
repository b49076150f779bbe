import path from 'path'
import { Destination } from '@segment/actions-core'
import type { DestinationDefinition, SegmentEvent, Subscription } from '@segment/actions-core'
import {
  Delivery,
  DeliveryClosedError,
  deliverThroughDestination,
  DryRun,
  integrationEnabled,
  visitorKey
} from '../delivery'
import type { DeliveryResult, DryRunRequest, FailureSummary } from '../delivery'
import { CheckpointWriter, SourceProgress } from './checkpoint'
import type { CheckpointState } from './checkpoint'
import { DeadLetterFile } from './dead-letters'
import { Progress } from './progress'
import type { Counts } from './progress'
import { formatShard, shardOf } from './shard'
import type { Shard } from './shard'
import { isSentByTracker } from '../destinations/woopra/sent-by-tracker'
import { listSources, readRecords, sourceKey } from './sources'
import type { Source } from './sources'
import type { RawRecord } from './records'
import type { Readable, Writable } from 'stream'

// The replay itself: read records in order, send each event through the destination with the delivery module, settle
// each record (delivered, skipped, dead-lettered) in the checkpoint, and account for every record read.

export interface ReplayOptions<S> {
  inputs: string[]
  definition: DestinationDefinition<S>
  settings: S
  subscriptions: Subscription[]
  concurrency: number
  rate?: number
  maxAttempts: number
  backoff: { baseMs: number; maxMs: number; maxRetryAfterMs?: number }
  /** Undefined: no checkpoint (dry run). */
  checkpointFile?: string
  /** What earlier runs settled (--resume). */
  previous?: CheckpointState
  deadLetterFile: string
  appendDeadLetters: boolean
  /** Write each Woopra request here as a JSON line instead of sending it. */
  dryRunOutput?: Writable
  shard?: Shard
  /** Read at most this many records (of this shard) from the inputs. */
  limit?: number
  /** Skip an event whose messageId was among the last `dedupeWindow` events read (0: no deduplication). */
  dedupeWindow: number
  /** On interruption, how long to wait for what is in flight. */
  drainTimeoutMs: number
  progressStream: Writable & { isTTY?: boolean }
  progressIntervalMs: number
  stdin?: Readable
  /** Aborting stops reading; what was accepted is drained (bounded), the checkpoint written, the summary returned. */
  signal?: AbortSignal
}

export interface ReplaySummary extends Counts {
  skippedDuplicates: number
  skippedDisabled: number
  /** Skipped as marked by the Woopra cookie plugin: Woopra's browser tracker sent them (see sent-by-tracker.ts). */
  skippedSentByTracker: number
  /**
   * Records read ahead but not settled when the run stopped (not started, or still in flight when the drain timed
   * out): not in `read`, not settled in the checkpoint; --resume sends them.
   */
  notFinished: number
  interrupted: boolean
  complete: boolean
  durationSeconds: number
  eventsPerSecond: number
  cpuSeconds: number
  peakRssMB: number
  checkpoint?: string
  deadLetters: string
}

/** One record on its way: where it came from, and the event. */
interface Job {
  progress: SourceProgress
  source: string
  record: number
  line: number
  key: string
  event: SegmentEvent
  /** Length of the record's text, counted against MAX_QUEUED_BYTES until it settles. */
  bytes: number
}

/** Records the reader may run ahead of the oldest unsettled one in a source: bounds the checkpoint's memory. */
export const MAX_SPAN = 100_000
/** Text of the events accepted and not yet settled, beyond which the reader waits (large events, few at a time). */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024
/** Journal lines between two snapshots of the checkpoint. */
const COMPACT_EVERY = 20_000
const COMPACT_INTERVAL_MS = 10_000

/** Messages IDs of the last N events, to skip duplicates as Segment does. */
class RecentIds {
  private readonly ring: (string | undefined)[]
  private readonly set = new Set<string>()
  private next = 0
  constructor(size: number) {
    this.ring = new Array(size)
  }
  /** True when `id` was seen within the window; remembers it either way. */
  seen(id: string): boolean {
    if (this.ring.length === 0) return false
    if (this.set.has(id)) return true
    const old = this.ring[this.next]
    if (old !== undefined) this.set.delete(old)
    this.ring[this.next] = id
    this.set.add(id)
    this.next = (this.next + 1) % this.ring.length
    return false
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export async function runReplay<S>(options: ReplayOptions<S>): Promise<ReplaySummary> {
  const startedAt = Date.now()
  const cpuAtStart = process.cpuUsage()
  const ownFiles = [options.checkpointFile, options.deadLetterFile].flatMap((file) =>
    file ? [path.resolve(file)] : []
  )
  const sources = await listSources(options.inputs, new Set(ownFiles))
  const totalBytes = sources.every((source) => source.bytes !== undefined)
    ? sources.reduce((sum, source) => sum + (source.bytes ?? 0), 0)
    : undefined

  const counts: Counts & { skippedDuplicates: number; skippedDisabled: number; skippedSentByTracker: number } = {
    read: 0,
    delivered: 0,
    skipped: 0,
    deadLettered: 0,
    retries: 0,
    alreadySettled: 0,
    otherShards: 0,
    bytesRead: 0,
    skippedDuplicates: 0,
    skippedDisabled: 0,
    skippedSentByTracker: 0
  }
  const shardText = options.shard ? formatShard(options.shard) : undefined
  const checkpoint = options.checkpointFile
    ? new CheckpointWriter(options.checkpointFile, shardText, options.previous)
    : undefined
  const deadLetters = new DeadLetterFile(options.deadLetterFile, options.appendDeadLetters)
  const recent = new RecentIds(options.dedupeWindow)

  const dryRun = options.dryRunOutput
    ? new DryRun<Job>((request, job) => writeDryRunRequest(options.dryRunOutput as Writable, request, job))
    : undefined
  const definition = dryRun ? dryRun.wrap(options.definition) : options.definition
  // A Destination keeps the responses of the event it runs: one per delivery at a time, reused.
  const destinations: Destination<S>[] = []

  const settle = (job: Pick<Job, 'progress' | 'record'>) => {
    if (checkpoint) checkpoint.settled(job.progress, job.record)
    else job.progress.settle(job.record)
    if (job.progress.complete) {
      checkpoint?.finished(job.progress)
    }
    wakeReader()
    if (checkpoint && checkpoint.journalLength >= COMPACT_EVERY) checkpoint.compact()
  }

  const deadLetter = (
    job: Pick<Job, 'progress' | 'record' | 'line' | 'source'> & { event?: unknown; text?: string },
    failure: FailureSummary,
    attempts: number
  ) => {
    deadLetters.write({
      source: job.source,
      line: job.line,
      record: job.record,
      ...(job.event !== undefined ? { event: job.event } : { text: job.text }),
      errorClass: failure.errorClass,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      message: failure.message,
      attempts
    })
    counts.deadLettered++
  }

  let queuedBytes = 0
  const onResult = (job: Job, result: DeliveryResult) => {
    queuedBytes -= job.bytes
    if (result.outcome === 'delivered') counts.delivered++
    else if (result.outcome === 'skipped') {
      counts.skipped++
      if (isSentByTracker(job.event)) counts.skippedSentByTracker++
    } else deadLetter(job, result.failure as FailureSummary, result.attempts)
    settle(job)
  }

  const delivery = new Delivery<Job>({
    concurrency: options.concurrency,
    maxQueued: Math.max(1000, options.concurrency * 16),
    maxAttempts: options.maxAttempts,
    rate: options.rate,
    backoff: options.backoff,
    keyOf: (job) => job.key,
    deliver: async (job) => {
      const destination = destinations.pop() ?? new Destination<S>(definition)
      try {
        const send = () => deliverThroughDestination(destination, job.event, options.settings, options.subscriptions)
        return await (dryRun ? dryRun.runAs(job, send) : send())
      } finally {
        destinations.push(destination)
      }
    },
    onResult,
    onRetry: () => {
      counts.retries++
    }
  })

  // The reader waits while a source's oldest unsettled record is MAX_SPAN behind; each settled record wakes it.
  let wake: (() => void) | undefined
  const wakeReader = () => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  options.signal?.addEventListener('abort', () => {
    // Graceful stop: nothing more is read or started; what is in flight may finish, within the drain timeout. What
    // did not start stays unsettled in the checkpoint, for --resume.
    delivery.cancelQueued()
    void delivery.drain(options.drainTimeoutMs)
    wakeReader()
  })
  const isAborted = () => options.signal?.aborted === true

  const progressDisplay = new Progress({
    stream: options.progressStream,
    totalBytes,
    intervalMs: options.progressIntervalMs,
    counts: () => ({ ...counts }),
    inFlight: () => delivery.inFlight
  })
  progressDisplay.start()
  const compactTimer = checkpoint ? setInterval(() => checkpoint.compact(), COMPACT_INTERVAL_MS) : undefined
  compactTimer?.unref()

  let taken = 0
  const limitReached = () => options.limit !== undefined && taken >= options.limit

  /** A record that needs no delivery but must be accounted and settled now. */
  const settleAtOnce = (progress: SourceProgress, record: number, outcome: 'skipped' | 'dead') => {
    progress.read(record, true)
    if (outcome === 'skipped') counts.skipped++
    settle({ progress, record })
  }

  /** An event an earlier run settled still counts for deduplication of the ones after it. */
  const rememberMessageId = (text: string | undefined) => {
    if (options.dedupeWindow === 0 || text === undefined) return
    try {
      const messageId = (JSON.parse(text) as { messageId?: unknown } | null)?.messageId
      if (typeof messageId === 'string' && messageId !== '') recent.seen(messageId)
    } catch {
      // Not JSON: it was dead-lettered, and has no messageId.
    }
  }

  const readSource = async (source: Source) => {
    const key = sourceKey(source)
    const previous = options.previous?.sources.get(key)
    if (previous?.done) {
      counts.bytesRead += source.bytes ?? 0
      counts.alreadySettled += previous.settled
      return
    }
    const progress = checkpoint ? checkpoint.open(key) : new SourceProgress(0, key, previous ?? { settled: 0, above: new Set(), done: false }) // prettier-ignore
    const where = (raw: RawRecord) => ({ progress, source: source.name, record: raw.record, line: raw.line })
    const iterator = readRecords(source, (bytes) => (counts.bytesRead += bytes), options.stdin)
    try {
      for (;;) {
        if (isAborted() || limitReached()) return
        const next = await nextUnlessAborted(iterator, options.signal)
        if (next === 'aborted' || next.done) return
        const raw = next.value
        if (progress.settledBefore(raw.record)) {
          counts.alreadySettled++
          progress.read(raw.record, false)
          rememberMessageId(raw.text)
          continue
        }
        await handleRecord(raw, progress, where(raw))
      }
    } catch (error) {
      // The source itself failed (unreadable, corrupt gzip, a broken JSON array): one dead letter for the rest of it.
      const record = progress.lastRead + 1
      if (!progress.settledBefore(record)) {
        counts.read++
        taken++
        deadLetter(
          { progress, source: source.name, record, line: 0, text: undefined },
          { errorClass: sourceErrorClass(error), message: `The rest of this source could not be read: ${(error as Error)?.message ?? String(error)}`, retryable: false }, // prettier-ignore
          1
        )
        settleAtOnce(progress, record, 'dead')
      } else counts.alreadySettled++
    } finally {
      await iterator.return(undefined)
      if (!isAborted() && !limitReached()) {
        progress.finishedReading = true
        if (progress.complete) checkpoint?.finished(progress)
      }
    }
  }

  const handleRecord = async (raw: RawRecord, progress: SourceProgress, at: Omit<Job, 'key' | 'event' | 'bytes'>) => {
    const owns = (hashKey: string) => !options.shard || shardOf(hashKey, options.shard.count) === options.shard.index
    let parsed: unknown
    let problem: FailureSummary | undefined
    if (raw.text === undefined) {
      problem = { errorClass: raw.problemClass ?? 'RecordTooLarge', message: raw.problem ?? 'The record could not be read.', retryable: false } // prettier-ignore
    } else {
      try {
        parsed = JSON.parse(raw.text)
        if (!isPlainObject(parsed)) problem = { errorClass: 'InvalidEvent', message: 'The record is JSON but not an object, so not a Segment event.', retryable: false } // prettier-ignore
        else if (typeof parsed.type !== 'string') problem = { errorClass: 'InvalidEvent', message: 'The record has no `type`, so it is not a Segment event.', retryable: false } // prettier-ignore
      } catch (error) {
        problem = { errorClass: 'SyntaxError', message: `The record is not JSON: ${(error as Error).message}`, retryable: false } // prettier-ignore
      }
    }
    const visitor = problem ? '' : visitorKey(parsed)
    // A record with no visitor (or no event) belongs to the shard its own text (or position) hashes to.
    const shardKey = visitor || (raw.text ?? `${path.basename(at.source)}:${raw.record}`)
    if (!owns(shardKey)) {
      counts.otherShards++
      progress.read(raw.record, false)
      return
    }
    taken++
    counts.read++
    if (problem) {
      deadLetter({ ...at, event: problem.errorClass === 'InvalidEvent' ? parsed : undefined, text: problem.errorClass === 'InvalidEvent' ? undefined : raw.text }, problem, 0) // prettier-ignore
      settleAtOnce(progress, raw.record, 'dead')
      return
    }
    const event = parsed as SegmentEvent
    if (typeof event.messageId === 'string' && event.messageId !== '' && recent.seen(event.messageId)) {
      counts.skippedDuplicates++
      settleAtOnce(progress, raw.record, 'skipped')
      return
    }
    if (!integrationEnabled(event)) {
      counts.skippedDisabled++
      settleAtOnce(progress, raw.record, 'skipped')
      return
    }
    const bytes = raw.text?.length ?? 0
    while (
      (progress.span() >= MAX_SPAN || (queuedBytes > 0 && queuedBytes + bytes > MAX_QUEUED_BYTES)) &&
      !isAborted()
    ) {
      await new Promise<void>((resolve) => (wake = resolve))
    }
    progress.read(raw.record, true)
    try {
      queuedBytes += bytes
      await delivery.enqueue({ ...at, key: visitor || `${at.source}:${raw.record}`, event, bytes })
    } catch (error) {
      if (!(error instanceof DeliveryClosedError)) throw error
      // Interrupted while waiting for room: this record was not taken after all.
      queuedBytes -= bytes
      counts.read--
      taken--
    }
  }

  let interrupted = false
  try {
    for (const source of sources) {
      if (isAborted() || limitReached()) break
      await readSource(source)
    }
    // Retries end (max attempts) and requests end (the destination's timeout): this drain ends. On abort, the abort
    // handler's bounded drain ends it sooner.
    const drained = await delivery.drain()
    interrupted = isAborted()
    const notFinished = drained.unfinished.length
    counts.read -= notFinished
    const complete = !interrupted && !limitReached() && notFinished === 0
    return summarize(notFinished, complete)
  } finally {
    if (compactTimer) clearInterval(compactTimer)
    progressDisplay.stop()
    checkpoint?.close()
    deadLetters.close()
  }

  function summarize(notFinished: number, complete: boolean): ReplaySummary {
    const durationSeconds = (Date.now() - startedAt) / 1000
    const cpu = process.cpuUsage(cpuAtStart)
    const settled = counts.delivered + counts.skipped + counts.deadLettered
    return {
      ...counts,
      notFinished,
      interrupted,
      complete,
      durationSeconds: Math.round(durationSeconds * 10) / 10,
      eventsPerSecond: durationSeconds > 0 ? Math.round((settled / durationSeconds) * 10) / 10 : 0,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(options.checkpointFile ? { checkpoint: options.checkpointFile } : {}),
      deadLetters: options.deadLetterFile
    }
  }
}

/** An error's class, or for Node's generic Error its code (`Z_BUF_ERROR` for a cut gzip, `EACCES`, …). */
function sourceErrorClass(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown }
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name
  return typeof code === 'string' ? code : 'Error'
}

/**
 * The iterator's next value, or 'aborted' as soon as the signal aborts (standard input may wait for ever). Not
 * Promise.race with one long-lived promise: each race would leave a reaction on it, a leak per record.
 */
function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal?: AbortSignal
): Promise<IteratorResult<T> | 'aborted'> {
  const next = iterator.next()
  if (!signal) return next
  if (signal.aborted) return Promise.resolve('aborted')
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted')
    signal.addEventListener('abort', onAbort, { once: true })
    next.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

function writeDryRunRequest(output: Writable, request: DryRunRequest, job: Job | undefined) {
  const line = {
    ...(job ? { source: job.source, line: job.line, record: job.record, messageId: job.event.messageId } : {}),
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body
  }
  output.write(`${JSON.stringify(line)}\n`)
}
