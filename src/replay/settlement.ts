import type { DeliveryResult, FailureSummary } from '../delivery'
import { CheckpointWriter, SourceProgress } from './checkpoint'
import type { CheckpointState, SettledRecords } from './checkpoint'
import { DeadLetterFile } from './dead-letters'
import type { SourceIdentity } from './identity'
import type { Counts } from './progress'
import { isSentByTracker } from '../destinations/woopra/sent-by-tracker'

// Settling: each record read ends delivered, skipped or dead-lettered, and only then counts as settled in the
// checkpoint (its dead letter on disk first). The counts, and the summary made of them, live here.

export interface ReplayCounts extends Counts {
  skippedDuplicates: number
  skippedDisabled: number
  /** Skipped as marked by the Woopra cookie plugin: Woopra's browser tracker sent them (see sent-by-tracker.ts). */
  skippedSentByTracker: number
}

export interface ReplaySummary extends ReplayCounts {
  /**
   * Records read ahead but not settled when the run stopped (not started, or still in flight when the drain timed
   * out): not in `read`, not settled in the checkpoint; --resume sends them.
   */
  notFinished: number
  interrupted: boolean
  /**
   * Why reading stopped early, when an input became unreadable as a whole (S3 refused, throttled beyond the
   * retries, unreachable): what was read before is settled, the rest is for --resume once the cause is fixed.
   */
  stoppedBy?: string
  complete: boolean
  /** A dry run: `delivered` counts the requests written, that would be sent (shown as `wouldSend`). */
  dryRun: boolean
  durationSeconds: number
  /** Events delivered to Woopra (a dry run: requests written) per second of the run; skipped and dead-lettered not. */
  eventsPerSecond: number
  cpuSeconds: number
  peakRssMB: number
  checkpoint?: string
  deadLetters: string
}

/** Where a record sits: its source's progress, the source as given, its position and first line. */
export interface RecordPlace {
  progress: SourceProgress
  source: string
  record: number
  line: number
}

export interface SettlementOptions {
  /** Undefined: no checkpoint (dry run). */
  checkpointFile?: string
  shard?: string
  /** What earlier runs settled (--resume). */
  previous?: CheckpointState
  deadLetterFile: string
  appendDeadLetters: boolean
  dryRun: boolean
  /** Called after each record settles (the reader may be waiting for room). */
  onSettled: () => void
}

/** Journal lines between two snapshots of the checkpoint. */
const COMPACT_EVERY = 20_000
const COMPACT_INTERVAL_MS = 10_000

export function emptyCounts(): ReplayCounts {
  return { read: 0, delivered: 0, skipped: 0, deadLettered: 0, retries: 0, alreadySettled: 0, otherShards: 0, bytesRead: 0, skippedDuplicates: 0, skippedDisabled: 0, skippedSentByTracker: 0 } // prettier-ignore
}

export class Settlement {
  readonly counts = emptyCounts()
  private readonly checkpoint?: CheckpointWriter
  private readonly deadLetters: DeadLetterFile
  private readonly compactTimer?: NodeJS.Timeout

  constructor(private readonly options: SettlementOptions) {
    const { checkpointFile, shard, previous } = options
    this.checkpoint = checkpointFile ? new CheckpointWriter(checkpointFile, shard, previous) : undefined
    this.deadLetters = new DeadLetterFile(options.deadLetterFile, options.appendDeadLetters)
    const checkpoint = this.checkpoint
    if (checkpoint) {
      this.compactTimer = setInterval(() => checkpoint.compact(), COMPACT_INTERVAL_MS)
      this.compactTimer.unref()
    }
  }

  /** The progress of a source, from what earlier runs settled of it (`previous`, when there is no checkpoint). */
  open(key: string, previous?: SettledRecords, identity?: SourceIdentity): SourceProgress {
    if (this.checkpoint) return this.checkpoint.open(key, identity)
    return new SourceProgress(0, key, previous ?? { settled: 0, above: new Set(), done: false })
  }

  settle(at: Pick<RecordPlace, 'progress' | 'record'>) {
    const { checkpoint } = this
    if (checkpoint) checkpoint.settled(at.progress, at.record)
    else at.progress.settle(at.record)
    if (at.progress.complete) checkpoint?.finished(at.progress)
    this.options.onSettled()
    if (checkpoint && checkpoint.journalLength >= COMPACT_EVERY) checkpoint.compact()
  }

  /** A delivery's outcome. */
  result(at: RecordPlace & { event: unknown }, result: DeliveryResult) {
    if (result.outcome === 'delivered') this.counts.delivered++
    else if (result.outcome === 'skipped') {
      this.counts.skipped++
      if (isSentByTracker(at.event)) this.counts.skippedSentByTracker++
    } else this.deadLetter(at, result.failure as FailureSummary, result.attempts)
    this.settle(at)
  }

  /** Writes the dead letter (the record stays unsettled until `settle`). */
  deadLetter(at: RecordPlace & { event?: unknown; text?: string }, failure: FailureSummary, attempts: number) {
    this.deadLetters.write({
      source: at.source,
      line: at.line,
      record: at.record,
      ...(at.event !== undefined ? { event: at.event } : { text: at.text }),
      errorClass: failure.errorClass,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      message: failure.message,
      attempts
    })
    this.counts.deadLettered++
  }

  /** A record that needs no delivery (skipped, or dead-lettered already) is accounted and settled now. */
  settleAtOnce(progress: SourceProgress, record: number, outcome: 'skipped' | 'dead') {
    progress.read(record, true)
    if (outcome === 'skipped') this.counts.skipped++
    this.settle({ progress, record })
  }

  /**
   * The source itself failed (unreadable, corrupt gzip, a broken JSON array): one dead letter for the rest of it,
   * written by one shard only (`owned`: the one the source's name hashes to); the others pass over it.
   */
  sourceFailed(progress: SourceProgress, source: string, error: unknown, owned: boolean) {
    const record = progress.lastRead + 1
    if (!owned || progress.settledBefore(record)) {
      if (owned) {
        this.counts.alreadySettled++
        progress.own++
      } else {
        this.counts.otherShards++
        progress.other++
      }
      progress.read(record, false)
      return
    }
    this.counts.read++
    progress.own++
    const message = `The rest of this source could not be read: ${(error as Error)?.message ?? String(error)}`
    this.deadLetter({ progress, source, record, line: 0 }, { errorClass: sourceErrorClass(error), message, retryable: false }, 1) // prettier-ignore
    this.settleAtOnce(progress, record, 'dead')
  }

  /** Every record of the source was read: once all are settled, the checkpoint marks it done. */
  finishedReading(progress: SourceProgress) {
    progress.finishedReading = true
    if (progress.complete) this.checkpoint?.finished(progress)
  }

  close() {
    if (this.compactTimer) clearInterval(this.compactTimer)
    this.checkpoint?.close()
    this.deadLetters.close()
  }

  summary(run: {
    notFinished: number
    interrupted: boolean
    complete: boolean
    startedAt: number
    cpuAtStart: NodeJS.CpuUsage
  }): ReplaySummary {
    // prettier-ignore
    const durationSeconds = (Date.now() - run.startedAt) / 1000
    const cpu = process.cpuUsage(run.cpuAtStart)
    const { counts } = this
    return {
      ...counts,
      notFinished: run.notFinished,
      interrupted: run.interrupted,
      complete: run.complete,
      durationSeconds: Math.round(durationSeconds * 10) / 10,
      dryRun: this.options.dryRun,
      eventsPerSecond: durationSeconds > 0 ? Math.round((counts.delivered / durationSeconds) * 10) / 10 : 0,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(this.options.checkpointFile ? { checkpoint: this.options.checkpointFile } : {}),
      deadLetters: this.options.deadLetterFile
    }
  }
}

/** An error's class, or for Node's generic Error its code (`Z_BUF_ERROR` for a cut gzip, `EACCES`, …). */
function sourceErrorClass(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown }
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name
  return typeof code === 'string' ? code : 'Error'
}
