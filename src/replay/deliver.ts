import { Destination } from '@segment/actions-core'
import type { DestinationDefinition, SegmentEvent, Subscription } from '@segment/actions-core'
import { Delivery, DeliveryClosedError, deliverThroughDestination, DryRun } from '../delivery'
import type { DeliveryResult, DryRunRequest } from '../delivery'
import type { RecordPlace } from './settlement'
import type { Writable } from 'stream'

// Delivering: each event through the destination (or, in a dry run, into a JSON line per request), in order per
// visitor, with retries; the reader is held back while too much is read ahead.

/** One record on its way: where it came from, and the event. */
export interface Job extends RecordPlace {
  key: string
  event: SegmentEvent
  /** Length of the record's text, counted against MAX_QUEUED_BYTES until it settles. */
  bytes: number
}

/** Records the reader may run ahead of the oldest unsettled one in a source: bounds the checkpoint's memory. */
export const MAX_SPAN = 100_000
/** Text of the events accepted and not yet settled, beyond which the reader waits (large events, few at a time). */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024

export interface ReplayDeliveryOptions<S> {
  definition: DestinationDefinition<S>
  settings: S
  subscriptions: Subscription[]
  concurrency: number
  rate?: number
  maxAttempts: number
  backoff: { baseMs: number; maxMs: number; maxRetryAfterMs?: number }
  /** Write each Woopra request here as a JSON line instead of sending it. */
  dryRunOutput?: Writable
  /** Each job's outcome, once. */
  onResult: (job: Job, result: DeliveryResult) => void
  onRetry: () => void
  /** True once the run is interrupted: waiting for room ends. */
  isAborted: () => boolean
}

export class ReplayDelivery<S> {
  private readonly delivery: Delivery<Job>
  private queuedBytes = 0
  private wake?: () => void
  private readonly isAborted: () => boolean

  constructor(options: ReplayDeliveryOptions<S>) {
    this.isAborted = options.isAborted
    const dryRun = options.dryRunOutput ? new DryRun<Job>(dryRunWriter(options.dryRunOutput)) : undefined
    const definition = dryRun ? dryRun.wrap(options.definition) : options.definition
    // A Destination keeps the responses of the event it runs: one per delivery at a time, reused.
    const destinations: Destination<S>[] = []
    this.delivery = new Delivery<Job>({
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
      onResult: (job, result) => {
        this.queuedBytes -= job.bytes
        options.onResult(job, result)
      },
      onRetry: options.onRetry
    })
  }

  get inFlight(): number {
    return this.delivery.inFlight
  }

  /**
   * Waits while the job's source is MAX_SPAN records ahead of its oldest unsettled one, or the text queued is over
   * MAX_QUEUED_BYTES; then marks the record read and hands the job over. False when interrupted before it was taken.
   */
  async enqueue(job: Job): Promise<boolean> {
    const { progress } = job
    while (
      (progress.span() >= MAX_SPAN || (this.queuedBytes > 0 && this.queuedBytes + job.bytes > MAX_QUEUED_BYTES)) &&
      !this.isAborted()
    ) {
      // prettier-ignore
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
    progress.read(job.record, true)
    try {
      this.queuedBytes += job.bytes
      await this.delivery.enqueue(job)
      return true
    } catch (error) {
      if (!(error instanceof DeliveryClosedError)) throw error
      // Interrupted while waiting for room: this record was not taken after all.
      this.queuedBytes -= job.bytes
      return false
    }
  }

  /** A record settled, or the run stops: a reader waiting for room looks again. */
  wakeReader() {
    const resolve = this.wake
    this.wake = undefined
    resolve?.()
  }

  /**
   * Graceful stop: nothing more is started; what is in flight may finish within `drainTimeoutMs`. What did not start
   * stays unsettled in the checkpoint, for --resume.
   */
  stop(drainTimeoutMs: number) {
    this.delivery.cancelQueued()
    void this.delivery.drain(drainTimeoutMs)
    this.wakeReader()
  }

  /** Waits for every job to settle (or, after `stop`, for the bounded drain); the jobs left unfinished. */
  async drain(): Promise<Job[]> {
    return (await this.delivery.drain()).unfinished
  }
}

function dryRunWriter(output: Writable) {
  return (request: DryRunRequest, job: Job | undefined) => {
    const line = {
      ...(job ? { source: job.source, line: job.line, record: job.record, messageId: job.event.messageId } : {}),
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body
    }
    output.write(`${JSON.stringify(line)}\n`)
  }
}
