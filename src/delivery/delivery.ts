import { Deque } from './deque'
import { classifyFailure } from './failure'
import { RateGovernor } from './rate-governor'
import type { DeliveryOptions, DeliveryResult, FailureSummary, Timers } from './types'

export const DEFAULT_MAX_ATTEMPTS = 5
export const DEFAULT_BACKOFF = { baseMs: 500, maxMs: 30_000 }

/** enqueue() on a Delivery that was closed. */
export class DeliveryClosedError extends Error {
  constructor() {
    super('The delivery is closed: it accepts no more jobs.')
    this.name = 'DeliveryClosedError'
  }
}

const REAL_TIMERS: Timers = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  }
}

interface Entry<J> {
  job: J
  attempts: number
}

/** The jobs of one key. `busy` while one of them runs or waits to be retried: the others wait behind it. */
interface Lane<J> {
  key: string
  jobs: Deque<Entry<J>>
  busy: boolean
}

/**
 * Runs jobs with bounded concurrency, in order per key, retrying retryable failures with backoff.
 *
 * Each key has its own lane; only lanes that are free to run are in the ready list, so a key whose job is running or
 * waiting to be retried holds up its own later jobs and nothing else. A job waiting for its retry holds no
 * concurrency slot. `maxQueued` bounds every accepted job (queued, running, waiting to retry) together. Every start
 * asks the RateGovernor first: a 429 pauses all lanes, and the rate then ramps back up (see rate-governor.ts).
 */
export class Delivery<J> {
  private readonly lanes = new Map<string, Lane<J>>()
  private readonly ready = new Deque<Lane<J>>()
  private readonly running = new Set<Entry<J>>()
  private readonly retryTimers = new Map<Entry<J>, { lane: Lane<J>; cancel: () => void }>()
  private readonly roomWaiters = new Deque<{ job: J; resolve: () => void; reject: (error: Error) => void }>()
  private readonly idleWaiters = new Set<() => void>()
  private readonly timers: Timers
  private readonly random: () => number
  private readonly maxAttempts: number
  private readonly maxQueued: number
  private readonly backoff: { baseMs: number; maxMs: number; maxRetryAfterMs: number }
  private count = 0
  private closed = false
  /** After a drain timed out: nothing more starts, and late results are ignored. */
  private stopped = false
  /** After cancelQueued(): nothing more starts or is retried. */
  private cancelling = false
  /** Jobs that will get no result: cancelled before they started, or still running when a drain timed out. */
  private readonly abandoned: J[] = []
  private readonly governor: RateGovernor
  private cancelRateTimer?: () => void

  constructor(private readonly options: DeliveryOptions<J>) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1')
    if (options.rate !== undefined && !(options.rate > 0)) throw new RangeError('rate must be more than 0')
    this.timers = options.timers ?? REAL_TIMERS
    this.random = options.random ?? Math.random
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)
    this.maxQueued = options.maxQueued ?? Infinity
    const backoff: DeliveryOptions<J>['backoff'] & object = options.backoff ?? DEFAULT_BACKOFF
    this.backoff = { ...backoff, maxRetryAfterMs: backoff.maxRetryAfterMs ?? Math.max(backoff.maxMs, 60_000) }
    this.governor =
      options.governor ?? new RateGovernor({ maxRate: options.rate, maxPauseMs: this.backoff.maxRetryAfterMs })
  }

  /** Jobs accepted and not finished: queued, running, or waiting to be retried. */
  get pending(): number {
    return this.count
  }

  /** Jobs whose attempt is running now. */
  get inFlight(): number {
    return this.running.size
  }

  /** Accepts the job unless closed or full (`pending >= maxQueued`). */
  tryEnqueue(job: J): boolean {
    if (this.closed || this.count >= this.maxQueued || this.roomWaiters.length > 0) return false
    this.accept(job)
    return true
  }

  /** Accepts the job once there is room; rejects with DeliveryClosedError if the delivery is (or gets) closed first. */
  enqueue(job: J): Promise<void> {
    if (this.closed) return Promise.reject(new DeliveryClosedError())
    if (this.count < this.maxQueued && this.roomWaiters.length === 0) {
      this.accept(job)
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => this.roomWaiters.push({ job, resolve, reject }))
  }

  /** Accepts nothing more; what was accepted still runs. Waiting enqueue() calls reject. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (let waiter = this.roomWaiters.shift(); waiter; waiter = this.roomWaiters.shift()) {
      waiter.reject(new DeliveryClosedError())
    }
  }

  /**
   * Stops starting jobs: accepts nothing more, and takes back every job that has not started (queued, or waiting to
   * be retried); an attempt in flight that fails in a way worth retrying is not retried. The jobs taken back get no
   * onResult; drain() returns them as `unfinished`. For a graceful stop (Ctrl+C): finish what is in flight, no more.
   */
  cancelQueued(): void {
    this.close()
    this.cancelling = true
    for (const [entry, { cancel }] of this.retryTimers) {
      cancel()
      this.abandoned.push(entry.job)
    }
    this.count -= this.retryTimers.size
    this.retryTimers.clear()
    for (const lane of this.lanes.values()) {
      for (const entry of lane.jobs) this.abandoned.push(entry.job)
      this.count -= lane.jobs.length
      lane.jobs.clear()
    }
    this.ready.clear()
    for (const [key, lane] of this.lanes) if (!this.isRunning(lane)) this.lanes.delete(key)
    this.notifyIfIdle()
  }

  /**
   * Closes, then waits until every accepted job has its result. After `timeoutMs`, stops: nothing more starts or is
   * retried, and the jobs without a result (queued, waiting to retry, in flight) are returned as `unfinished`; they
   * get no onResult, even if an attempt in flight ends later. `unfinished` also holds what cancelQueued() took back.
   */
  async drain(timeoutMs = Infinity): Promise<{ drained: boolean; unfinished: J[] }> {
    this.close()
    if (this.count > 0) {
      let cancelTimeout: (() => void) | undefined
      let onIdle: (() => void) | undefined
      const idle = await new Promise<boolean>((resolve) => {
        onIdle = () => resolve(true)
        this.idleWaiters.add(onIdle)
        if (Number.isFinite(timeoutMs)) cancelTimeout = this.timers.setTimeout(() => resolve(false), timeoutMs)
      })
      cancelTimeout?.()
      if (onIdle) this.idleWaiters.delete(onIdle)
      if (!idle && this.count > 0) this.stop()
    }
    return { drained: this.abandoned.length === 0, unfinished: [...this.abandoned] }
  }

  private isRunning(lane: Lane<J>): boolean {
    for (const entry of this.running) if (this.options.keyOf(entry.job) === lane.key) return true
    return false
  }

  private stop(): void {
    this.stopped = true
    this.cancelRateTimer?.()
    this.cancelRateTimer = undefined
    for (const entry of this.running) this.abandoned.push(entry.job)
    for (const [entry, { cancel }] of this.retryTimers) {
      cancel()
      this.abandoned.push(entry.job)
    }
    for (const lane of this.lanes.values()) for (const entry of lane.jobs) this.abandoned.push(entry.job)
    this.running.clear()
    this.retryTimers.clear()
    this.lanes.clear()
    this.ready.clear()
    this.count = 0
    this.notifyIfIdle()
  }

  private notifyIfIdle(): void {
    if (this.count === 0) for (const onIdle of [...this.idleWaiters]) onIdle()
  }

  private accept(job: J): void {
    const key = this.options.keyOf(job)
    let lane = this.lanes.get(key)
    if (!lane) {
      lane = { key, jobs: new Deque(), busy: false }
      this.lanes.set(key, lane)
    }
    lane.jobs.push({ job, attempts: 0 })
    this.count++
    if (!lane.busy && lane.jobs.length === 1) this.ready.push(lane)
    this.pump()
  }

  /** Starts ready lanes' next jobs while there are free slots and the governor allows (rate, pause after a 429). */
  private pump(): void {
    if (this.stopped) return
    while (this.running.size < this.options.concurrency && this.ready.length > 0) {
      const now = this.timers.now()
      const waitMs = this.governor.delayBeforeStart(now)
      if (waitMs > 0) {
        this.cancelRateTimer ??= this.timers.setTimeout(() => {
          this.cancelRateTimer = undefined
          this.pump()
        }, waitMs)
        return
      }
      this.governor.started(now)
      const lane = this.ready.shift() as Lane<J>
      const entry = lane.jobs.shift() as Entry<J>
      lane.busy = true
      this.running.add(entry)
      void this.attempt(lane, entry, now)
    }
  }

  private async attempt(lane: Lane<J>, entry: Entry<J>, startedAt: number): Promise<void> {
    entry.attempts++
    let result: DeliveryResult
    try {
      // Always asynchronous, even when deliver() throws at once: release() never recurses into pump().
      const delivered = await Promise.resolve().then(() => this.options.deliver(entry.job, entry.attempts))
      result = { outcome: delivered.outcome, attempts: entry.attempts, actions: delivered.actions }
    } catch (error) {
      const failure = classifyFailure(error)
      result = { outcome: 'dead', attempts: entry.attempts, actions: [], failure }
    }
    if (!this.running.delete(entry)) return // stopped by drain(): reported as unfinished
    this.tellGovernor(entry, result, startedAt)
    if (result.failure?.retryable && entry.attempts < this.maxAttempts) {
      if (this.cancelling) this.release(lane, entry, undefined)
      else this.scheduleRetry(lane, entry, result.failure)
    } else {
      this.release(lane, entry, result)
    }
    this.pump()
  }

  /** Whether Woopra took the attempt or refused it for the project's rate (429), for every lane's next start. */
  private tellGovernor(entry: Entry<J>, result: DeliveryResult, startedAt: number): void {
    const now = this.timers.now()
    if (result.outcome === 'delivered') this.governor.succeeded(now)
    if (result.failure?.status !== 429) return
    const throttle = this.governor.throttled(startedAt, now, result.failure.retryAfterMs)
    this.callSafely(() => this.options.onThrottle?.(entry.job, throttle))
  }

  private scheduleRetry(lane: Lane<J>, entry: Entry<J>, failure: FailureSummary): void {
    const delayMs = this.retryDelay(entry.attempts, failure.retryAfterMs)
    this.callSafely(() => this.options.onRetry?.(entry.job, failure, entry.attempts, delayMs))
    const cancel = this.timers.setTimeout(() => {
      if (!this.retryTimers.delete(entry)) return
      lane.jobs.unshift(entry)
      lane.busy = false
      this.ready.push(lane)
      this.pump()
    }, delayMs)
    this.retryTimers.set(entry, { lane, cancel })
  }

  /** Before retry n (after n failed attempts): jittered exponential backoff, or Retry-After when larger (capped). */
  private retryDelay(failedAttempts: number, retryAfterMs?: number): number {
    const { baseMs, maxMs, maxRetryAfterMs } = this.backoff
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failedAttempts - 1, 52))
    const jittered = Math.round(ceiling / 2 + this.random() * (ceiling / 2))
    return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, maxRetryAfterMs))
  }

  /** The job is done with: its result reported, or (without one) the job abandoned. Its lane's next job may run. */
  private release(lane: Lane<J>, entry: Entry<J>, result: DeliveryResult | undefined): void {
    this.count--
    lane.busy = false
    if (lane.jobs.length > 0) this.ready.push(lane)
    else this.lanes.delete(lane.key)
    if (result) this.callSafely(() => this.options.onResult?.(entry.job, result))
    else this.abandoned.push(entry.job)
    this.admitWaiting()
    this.notifyIfIdle()
  }

  /** Accepts jobs that enqueue() holds back, in order, while there is room (counted at once: nothing overtakes). */
  private admitWaiting(): void {
    while (this.count < this.maxQueued && this.roomWaiters.length > 0) {
      const waiter = this.roomWaiters.shift() as { job: J; resolve: () => void }
      this.accept(waiter.job)
      waiter.resolve()
    }
  }

  /** A callback that throws must not break the machinery; its error is reported as a process warning. */
  private callSafely(callback: () => void): void {
    try {
      callback()
    } catch (error) {
      const message = typeof (error as Error)?.message === 'string' ? (error as Error).message : String(error)
      process.emitWarning(`A delivery callback threw: ${message}`, 'DeliveryCallbackWarning')
    }
  }
}
