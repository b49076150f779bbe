import path from 'path'
import type { CheckpointState, SourceProgress } from './checkpoint'
import { ReplayDelivery } from './deliver'
import type { ReplayDeliveryOptions } from './deliver'
import { EventSieve } from './events'
import { Progress } from './progress'
import { readSources } from './read'
import type { RawRecord } from './records'
import { Settlement } from './settlement'
import type { ReplaySummary } from './settlement'
import { changedSources, changedSourcesMessage } from './identity'
import { formatShard } from './shard'
import type { Shard } from './shard'
import { InputError, listSources, sourceKey } from './sources'
import type { Source } from './sources'
import type { Readable, Writable } from 'stream'

// The replay, as its stages: read the sources' records in order (read.ts), turn each into an event or a decision
// (events.ts), deliver the events through the destination (deliver.ts), and settle each record (delivered, skipped,
// dead-lettered) in the checkpoint, accounting for every record read (settlement.ts).

export type { ReplaySummary } from './settlement'
export { MAX_QUEUED_BYTES, MAX_SPAN } from './deliver'

/** The delivery stage's options (deliver.ts), less the callbacks runReplay wires itself, plus the reading and settling. */
export interface ReplayOptions<S>
  extends Omit<ReplayDeliveryOptions<S>, 'dryRunOutput' | 'onResult' | 'onRetry' | 'isAborted'> {
  inputs: string[]
  /** Undefined: no checkpoint (dry run). */
  checkpointFile?: string
  /** What earlier runs settled (--resume). */
  previous?: CheckpointState
  deadLetterFile: string
  appendDeadLetters: boolean
  /** Write each Woopra request here as a JSON line instead of sending it. */
  dryRunOutput?: Writable
  /** Other files this run writes (such as the dry run's output): never read as input. */
  ownFiles?: string[]
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
  /** --resume-changed: resume sources that changed since the checkpoint settled records of them (else refused). */
  acceptChangedSources?: boolean
  /** An S3-compatible endpoint for s3:// inputs. */
  s3Endpoint?: string
  /** Aborting stops reading; what was accepted is drained (bounded), the checkpoint written, the summary returned. */
  signal?: AbortSignal
}

export async function runReplay<S>(options: ReplayOptions<S>): Promise<ReplaySummary> {
  const startedAt = Date.now()
  const cpuAtStart = process.cpuUsage()
  const ownFiles = [options.checkpointFile, options.deadLetterFile, ...(options.ownFiles ?? [])].flatMap((file) => (file ? [path.resolve(file)] : [])) // prettier-ignore
  const sources = await listSources(options.inputs, new Set(ownFiles), { endpoint: options.s3Endpoint })
  const totalBytes = sources.every((source) => source.bytes !== undefined)
    ? sources.reduce((sum, source) => sum + (source.bytes ?? 0), 0)
    : undefined
  const identities = await checkResumedSources(sources, options)

  const isAborted = () => options.signal?.aborted === true
  /** Why reading stopped when an input became unreadable as a whole (S3 refused it, for instance). */
  let stoppedBy: string | undefined
  const settlement = new Settlement({
    ...options,
    shard: options.shard ? formatShard(options.shard) : undefined,
    dryRun: options.dryRunOutput !== undefined,
    onSettled: () => delivery.wakeReader()
  })
  const { counts } = settlement
  const delivery: ReplayDelivery<S> = new ReplayDelivery({
    ...options,
    onResult: (job, result) => settlement.result(job, result),
    onRetry: () => counts.retries++,
    isAborted
  })
  const limitReached = () => options.limit !== undefined && counts.read >= options.limit
  const progressDisplay = new Progress({
    stream: options.progressStream,
    totalBytes,
    intervalMs: options.progressIntervalMs,
    counts: () => ({ ...counts }),
    inFlight: () => delivery.inFlight,
    limit: options.limit,
    dryRun: options.dryRunOutput !== undefined
  })
  progressDisplay.start()
  options.signal?.addEventListener('abort', () => {
    // The bar goes first: what is written about the interruption, and the summary, then stand on lines of their own.
    progressDisplay.stop()
    delivery.stop(options.drainTimeoutMs)
  })

  const sieve = new EventSieve(options.shard, options.dedupeWindow)
  try {
    await readSources(sources, {
      ...options,
      settlement,
      stopped: () => isAborted() || limitReached() || stoppedBy !== undefined,
      onInputFailed: (message) => (stoppedBy = message),
      identities,
      sieve,
      onRecord: (raw, progress, source) => takeRecord(raw, progress, source, { sieve, settlement, delivery })
    })
    // Retries end (max attempts) and requests end (the destination's timeout): this drain ends. On abort, the abort
    // handler's bounded drain ends it sooner.
    const notFinished = (await delivery.drain()).length
    const interrupted = isAborted()
    counts.read -= notFinished
    const complete = !interrupted && !stoppedBy && !limitReached() && notFinished === 0
    progressDisplay.stop(complete || (limitReached() && !interrupted && notFinished === 0))
    return { ...settlement.summary({ notFinished, interrupted, complete, startedAt, cpuAtStart }), ...(stoppedBy ? { stoppedBy } : {}) } // prettier-ignore
  } finally {
    progressDisplay.stop()
    settlement.close()
  }
}

/** One record of this run: counted as read (unless another shard's), then settled at once or handed to delivery. */
async function takeRecord<S>(
  raw: RawRecord,
  progress: SourceProgress,
  source: Source,
  stages: { sieve: EventSieve; settlement: Settlement; delivery: ReplayDelivery<S> }
): Promise<void> {
  const { settlement } = stages
  const { counts } = settlement
  const decision = stages.sieve.decide(raw, source)
  if (decision.kind === 'other-shard') {
    counts.otherShards++
    progress.other++
    progress.read(raw.record, false)
    return
  }
  counts.read++
  progress.own++
  const at = { progress, source: source.name, record: raw.record, line: raw.line }
  if (decision.kind === 'dead') {
    settlement.deadLetter({ ...at, event: decision.event, text: decision.text }, decision.failure, 0)
    settlement.settleAtOnce(progress, raw.record, 'dead')
  } else if (decision.kind === 'duplicate' || decision.kind === 'disabled') {
    if (decision.kind === 'duplicate') counts.skippedDuplicates++
    else counts.skippedDisabled++
    settlement.settleAtOnce(progress, raw.record, 'skipped')
  } else {
    const job = { ...at, key: decision.key, event: decision.event, bytes: raw.text?.length ?? 0 }
    // Interrupted while waiting for room: this record was not taken after all.
    if (!(await stages.delivery.enqueue(job))) counts.read--
  }
}

/**
 * On --resume, the sources the checkpoint knows must be what they were (identity.ts): a changed one is refused
 * (InputError), unless accepted, when its new identity replaces the old. Returns the identities looked up.
 */
async function checkResumedSources<S>(sources: readonly Source[], options: ReplayOptions<S>) {
  const { changed, identities } = await changedSources(
    sources,
    (key) => options.previous?.sources.get(key)?.identity,
    sourceKey
  )
  if (changed.length > 0 && !options.acceptChangedSources) {
    throw new InputError(changedSourcesMessage(changed, options.checkpointFile ?? 'the checkpoint'))
  }
  for (const { name } of changed) {
    const entry = options.previous?.sources.get(name)
    if (entry) entry.identity = identities.get(name)
  }
  return identities
}
