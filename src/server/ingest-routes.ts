import { appendFileSync } from 'fs'
import type { DecoratedResponse, SegmentEvent } from '@segment/actions-core'
import { Delivery, deliverThroughDestination, integrationEnabled, visitorKey } from '../delivery'
import type { DeliveryResult, FailureSummary } from '../delivery'
import { isSentByTracker, SENT_BY_TRACKER_REASON } from '../destinations/woopra/sent-by-tracker'
import type { ServerContext } from './context'
import { HttpError, isPlainObject } from './http-io'
import type { BodyLimit } from './http-io'
import { elapsedMs, redactReason, withoutAnswerBody } from './log'
import type { LogEntry } from './log'
import { isMessageType, jsonByteLength, messageProblem, normalizeMessage, sameKey, writeKeyOf } from './segment-message'
import type { BatchDefaults, MessageType } from './segment-message'

// Segment's HTTP Tracking API (`/v1/<type>` and `/v1/batch`): each request is checked and its events accepted at once,
// then delivered in the background through the destination's presets, with bounded concurrency and retries.

/** Each route and the message type it takes; analytics.js (analytics-next) posts to the one-letter paths. */
const ROUTE_TYPES: Readonly<Record<string, MessageType | 'batch'>> = {
  '/v1/track': 'track',
  '/v1/identify': 'identify',
  '/v1/page': 'page',
  '/v1/screen': 'screen',
  '/v1/group': 'group',
  '/v1/alias': 'alias',
  '/v1/batch': 'batch',
  '/v1/t': 'track',
  '/v1/i': 'identify',
  '/v1/p': 'page',
  '/v1/s': 'screen',
  '/v1/g': 'group',
  '/v1/a': 'alias',
  '/v1/b': 'batch'
}

export const INGEST_ROUTES: readonly string[] = Object.keys(ROUTE_TYPES)

/** Segment's limits: 32 KB for a message (alone or in a batch), 500 KB for a batch; over either, 400. */
export const MAX_MESSAGE_BYTES = 32 * 1024
export const MAX_BATCH_BYTES = 500 * 1024

/** Segment's answer to an accepted request, whatever becomes of each event (outcomes are logged). */
const ACCEPTED = { success: true }

export interface IngestOptions {
  /** Deliveries to Woopra at once (default 8). */
  concurrency?: number
  /** Events accepted and not yet delivered beyond which requests are refused with 503 (default 10,000). */
  maxQueued?: number
  /** The same bound on their size as JSON, in bytes (default 64 MB): 10,000 events of 32 KB would not fit in memory. */
  maxQueuedBytes?: number
  /** Tries per event, the first included (default 5). */
  maxAttempts?: number
  /** Backoff between tries (default: from 500 ms, doubling, up to 30 s, with jitter; Retry-After wins). */
  backoff?: { baseMs: number; maxMs: number }
  /** The `Retry-After` of a 503 when the queue is full, in seconds (default 5). */
  retryAfterSeconds?: number
  /** Where to append events that could not be delivered, one JSON line each (they hold personal data). */
  deadLetterFile?: string
}

const DEFAULT_INGEST = {
  concurrency: 8,
  maxQueued: 10_000,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxAttempts: 5,
  retryAfterSeconds: 5
}

/** One accepted event on its way to the destination. */
interface IngestJob {
  event: SegmentEvent
  route: string
  type: MessageType
  acceptedAt: bigint
  /** Its size as JSON, counted against maxQueuedBytes while it waits. */
  bytes: number
  /** The last request the destination made for it: which action, the endpoint path, the status and (never logged
   * without payloads) the answer's body. */
  lastCall?: { action: string; endpoint: string; status: number; answerBody?: unknown }
}

/** The messages of a request, before they are checked one by one. */
interface Incoming {
  messages: unknown[]
  /** The size of each message as JSON. */
  sizes: number[]
  routeType?: MessageType
  defaults: BatchDefaults
}

export class Ingestion<S> {
  private readonly delivery: Delivery<IngestJob>
  private readonly maxQueued: number
  private readonly maxQueuedBytes: number
  /** The JSON size of the events accepted and not finished. */
  private pendingBytes = 0
  private readonly retryAfterSeconds: number
  private readonly deadLetterFile?: string
  /** The destination's names in an `integrations` object, e.g. "Woopra (Actions)" and "Woopra". */
  private readonly integrationNames: string[]

  constructor(private readonly ctx: ServerContext<S>, options: IngestOptions = {}) {
    this.maxQueued = options.maxQueued ?? DEFAULT_INGEST.maxQueued
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_INGEST.maxQueuedBytes
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_INGEST.retryAfterSeconds
    this.deadLetterFile = options.deadLetterFile
    const name = ctx.definition.name
    this.integrationNames = [...new Set([name.replace(/ \(Actions\)$/, ''), name])]
    this.delivery = new Delivery<IngestJob>({
      concurrency: options.concurrency ?? DEFAULT_INGEST.concurrency,
      maxQueued: this.maxQueued,
      maxAttempts: options.maxAttempts ?? DEFAULT_INGEST.maxAttempts,
      backoff: options.backoff,
      keyOf: (job) => visitorKey(job.event) || job.event.messageId || '',
      deliver: (job) => this.deliver(job),
      onResult: (job, result) => {
        this.pendingBytes -= job.bytes
        this.onResult(job, result)
      },
      // Woopra limits per project: one line per overload, when every delivery pauses and the rate is lowered.
      onThrottle: (job, { pauseMs, rate }) => {
        if (rate === undefined) return
        const ratePerSecond = Number.isFinite(rate) ? Math.round(rate * 10) / 10 : null
        this.ctx.log({
          level: 'warn',
          msg: 'woopra rate limit',
          messageId: job.event.messageId,
          pauseMs,
          ratePerSecond
        })
      },
      onRetry: (job, failure, attempt, delayMs) =>
        this.ctx.log({
          level: 'warn',
          msg: 'event retry',
          ...this.fields(job),
          attempt,
          delayMs,
          ...this.failureFields(job, failure)
        })
    })
  }

  /** Events accepted and not yet delivered (queued, in flight or waiting for a retry). */
  get pending(): number {
    return this.delivery.pending
  }

  /** How much a route reads: a batch up to 500 KB, a single message up to 32 KB; more is a 400, as Segment answers. */
  bodyLimit(route: string): BodyLimit {
    const batch = ROUTE_TYPES[route] === 'batch'
    const maxBytes = batch ? MAX_BATCH_BYTES : MAX_MESSAGE_BYTES
    const what = batch ? 'A batch' : 'A message'
    return { maxBytes, status: 400, message: `${what} must be at most ${maxBytes / 1024} KB (Segment's limit).` }
  }

  /**
   * Checks a parsed body posted to `route` (one of INGEST_ROUTES) and accepts its events for delivery, all of them or
   * none: answers Segment's `{"success": true}`, or throws the HttpError that refuses the request.
   */
  accept(route: string, body: unknown, authorization?: string): typeof ACCEPTED {
    const ctx = this.ctx
    if (!isPlainObject(body)) throw new HttpError(400, 'The body must be a JSON object (a Segment message or a batch).')
    if (ctx.writeKey !== undefined && !sameKey(writeKeyOf(authorization, body), ctx.writeKey)) {
      throw new HttpError(401, 'Invalid write key: send the write key as the user name of Basic authorization.')
    }
    if (ctx.ingestSettings === undefined) {
      throw new HttpError(
        400,
        'No Woopra project is configured for /v1 events: start the server with WOOPRA_PROJECT=<project> or --project <project>.'
      )
    }

    const incoming = this.incoming(route, body)
    const receivedAt = new Date()
    const acceptedAt = process.hrtime.bigint()
    const jobs: IngestJob[] = []
    const notes: LogEntry[] = []
    incoming.messages.forEach((message, index) => {
      const type = incoming.routeType ?? (isPlainObject(message) ? message.type : undefined)
      const base = { route, type: typeof type === 'string' ? type : null, ...(ctx.dryRun ? { dryRun: true } : {}) }
      if (!isPlainObject(message) || !isMessageType(type)) {
        const reason = `Each message of a batch must be an object with a \`type\` of track, identify, page, screen, group or alias.`
        notes.push({ level: 'warn', msg: 'event dropped', ...base, reason })
        return
      }
      const event = normalizeMessage(message, type, receivedAt, incoming.defaults)
      const job: IngestJob = { event, route, type, acceptedAt, bytes: incoming.sizes[index] }
      const problem = messageProblem(event)
      if (problem) {
        notes.push({ level: 'warn', msg: 'event dropped', ...this.fields(job), reason: problem })
      } else if (!integrationEnabled(event, this.integrationNames)) {
        const reason = `Its \`integrations\` turn ${this.integrationNames.map((n) => `"${n}"`).join(' and ')} off.`
        notes.push({ level: 'info', msg: 'event skipped', ...this.fields(job), action: null, reason })
      } else {
        jobs.push(job)
      }
    })

    // All or nothing: a client that is told to retry must not send twice what was taken.
    const bytes = jobs.reduce((sum, job) => sum + job.bytes, 0)
    if (this.delivery.pending + jobs.length > this.maxQueued || this.pendingBytes + bytes > this.maxQueuedBytes) {
      throw new HttpError(
        503,
        `The server has ${this.delivery.pending} events (${megabytes(this.pendingBytes)} MB) waiting for Woopra and ` +
          `holds at most ${this.maxQueued} events or ${megabytes(this.maxQueuedBytes)} MB: retry later.`,
        { headers: { 'retry-after': String(this.retryAfterSeconds) } }
      )
    }
    for (const note of notes) ctx.log(note)
    for (const job of jobs) {
      if (this.delivery.tryEnqueue(job)) {
        this.pendingBytes += job.bytes
      } else {
        ctx.log({ level: 'error', msg: 'event dropped', ...this.fields(job), reason: 'The delivery queue refused it.' })
      }
    }
    return ACCEPTED
  }

  /**
   * Stops taking events and waits up to `timeoutMs` for those accepted; logs one line for each left undelivered, and
   * appends it to the dead-letter file when there is one.
   */
  async drain(timeoutMs: number): Promise<{ drained: boolean; undelivered: number }> {
    const { drained, unfinished } = await this.delivery.drain(timeoutMs)
    this.pendingBytes = 0
    const reason = `The server stopped before it was delivered (waited ${timeoutMs} ms); it may have reached Woopra if a request was in flight.`
    for (const job of unfinished) {
      this.ctx.log({ level: 'warn', msg: 'event not delivered', ...this.fields(job), reason })
      this.writeDeadLetter(job, { errorClass: 'ServerStopped', message: reason })
    }
    return { drained, undelivered: unfinished.length }
  }

  /** The messages of a request, refusing (400) a batch without a batch array or with a message over 32 KB. */
  private incoming(route: string, body: Record<string, unknown>): Incoming {
    const routeType = ROUTE_TYPES[route]
    if (routeType !== 'batch') return { messages: [body], sizes: [jsonByteLength(body)], routeType, defaults: {} }
    if (!Array.isArray(body.batch)) throw new HttpError(400, 'A batch must have a `batch` array of messages.')
    const messages = body.batch as unknown[]
    const sizes = messages.map(jsonByteLength)
    sizes.forEach((size, index) => {
      if (size > MAX_MESSAGE_BYTES) {
        throw new HttpError(
          400,
          `Message ${index + 1} of the batch is larger than ${
            MAX_MESSAGE_BYTES / 1024
          } KB (Segment's limit for a message).`
        )
      }
    })
    return {
      messages,
      sizes,
      defaults: { sentAt: body.sentAt, context: body.context, integrations: body.integrations }
    }
  }

  /** One attempt: a fresh Destination (its list of responses is its own), watched for the last request it makes. */
  private async deliver(job: IngestJob) {
    const destination = this.ctx.createDestination()
    for (const [actionKey, action] of Object.entries(destination.actions)) {
      action.on('response', (response: DecoratedResponse) => {
        job.lastCall = {
          action: actionKey,
          endpoint: new URL(response.request.url).pathname,
          status: response.status,
          answerBody: response.content
        }
      })
    }
    job.lastCall = undefined
    return deliverThroughDestination(destination, job.event, this.ctx.ingestSettings as S, this.ctx.subscriptions)
  }

  private onResult(job: IngestJob, result: DeliveryResult): void {
    const timing = { attempts: result.attempts, durationMs: elapsedMs(job.acceptedAt) }
    if (result.outcome === 'delivered') {
      const { endpoint, status } = job.lastCall ?? {}
      this.ctx.log({
        level: 'info',
        msg: 'event',
        ...this.fields(job),
        action: result.actions.join(','),
        endpoint,
        status,
        ...timing
      })
    } else if (result.outcome === 'skipped') {
      // Marked events skip the presets' FQL by design: say so, rather than that nothing matched.
      const reason = isSentByTracker(job.event) ? SENT_BY_TRACKER_REASON : notSubscribedReason(this.ctx, job.type)
      this.ctx.log({ level: 'info', msg: 'event skipped', ...this.fields(job), action: null, reason, ...timing })
    } else {
      const failure = result.failure as FailureSummary
      this.ctx.log({
        level: 'warn',
        msg: 'event failed',
        ...this.fields(job),
        action: failure.action ?? job.lastCall?.action ?? null,
        endpoint: job.lastCall?.endpoint,
        ...this.failureFields(job, failure),
        ...timing
      })
      const { errorClass, status, message } = failure
      this.writeDeadLetter(job, { errorClass, status, message, attempts: result.attempts })
    }
  }

  /** One JSON line: when, the route, why (error class, status, message, attempts), and the event itself. */
  private writeDeadLetter(
    job: IngestJob,
    why: { errorClass: string; status?: number; message: string; attempts?: number }
  ): void {
    if (this.deadLetterFile === undefined) return
    const letter = { time: new Date().toISOString(), route: job.route, ...why }
    try {
      appendFileSync(this.deadLetterFile, `${JSON.stringify({ ...letter, event: job.event })}\n`)
    } catch (error) {
      const reason = redactReason((error as Error)?.message)
      this.ctx.log({ level: 'error', msg: 'dead letter not written', messageId: job.event.messageId, reason })
    }
  }

  /** What every line about an event says: where it came in, its type and message ID; the event with logPayloads. */
  private fields(job: IngestJob) {
    return {
      route: job.route,
      type: job.type,
      messageId: job.event.messageId,
      ...(this.ctx.dryRun ? { dryRun: true } : {}),
      ...(this.ctx.logPayloads ? { event: job.event } : {})
    }
  }

  /** A failure for the log: its status and class, and its message without URL queries or answer unless logPayloads. */
  private failureFields(job: IngestJob, failure: FailureSummary) {
    return {
      status: failure.status ?? null,
      errorClass: failure.errorClass,
      retryable: failure.retryable,
      reason: this.ctx.logPayloads
        ? failure.message
        : redactReason(withoutAnswerBody(failure.message, job.lastCall?.answerBody))
    }
  }
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1)
}

function notSubscribedReason<S>(ctx: ServerContext<S>, type: string): string {
  return `No subscription of ${ctx.definition.name} matches this ${type} event (its presets: ${ctx.subscriptions
    .map((subscription) => subscription.subscribe)
    .join('; ')}).`
}
