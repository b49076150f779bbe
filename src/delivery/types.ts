import type { RateGovernor, Throttle } from './rate-governor'

export type DeliveryOutcome = 'delivered' | 'skipped' | 'dead'

export interface FailureSummary {
  /** The error's class name (`RetryableError`, `IntegrationError`, `PayloadValidationError`, `FetchError`, …). */
  errorClass: string
  /** The HTTP status it stands for, when it has one. */
  status?: number
  message: string
  retryable: boolean
  /** The answer's `Retry-After`, in milliseconds from when it was read. */
  retryAfterMs?: number
  /** The action that failed (its key, e.g. `trackEvent`), when the failure came from one. */
  action?: string
}

export interface DeliveryResult {
  outcome: DeliveryOutcome
  /** Attempts made, the last included. */
  attempts: number
  /** The actions that ran for a delivered event (empty when skipped or dead). */
  actions: string[]
  /** Why the job is dead (the last attempt's failure). */
  failure?: FailureSummary
}

/** How the Delivery waits. Injected in tests so that backoff and rate limits need no real time. */
export interface Timers {
  now(): number
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void
}

export interface DeliveryOptions<J> {
  /** Deliveries at once. */
  concurrency: number
  /** Accepted-but-unfinished jobs beyond which tryEnqueue() refuses and enqueue() waits (default: unbounded). */
  maxQueued?: number
  /** Tries per job, the first included (default 5). */
  maxAttempts?: number
  /** Attempts started per second, retries included (default: no limit); after a 429 the governor allows less. */
  rate?: number
  /** What paces starts and pauses them all after a 429 (default: one of its own, from `rate` and maxRetryAfterMs). */
  governor?: RateGovernor
  /**
   * Exponential backoff with jitter: before retry n, between half and all of min(maxMs, baseMs × 2^(n-1)). A
   * `Retry-After` wins when larger, up to maxRetryAfterMs (default: the larger of maxMs and 60 s), which also bounds
   * the pause of every lane after a 429.
   */
  backoff?: { baseMs: number; maxMs: number; maxRetryAfterMs?: number }
  /** Per-key order: jobs of one key run one at a time, in enqueue order, retries included. */
  keyOf(job: J): string
  /** One attempt; throws on failure (see classifyFailure for what is retried). */
  deliver(job: J, attempt: number): Promise<{ outcome: 'delivered' | 'skipped'; actions: string[] }>
  /** Exactly once per job, except jobs that drain() returns as unfinished, which get none. */
  onResult?(job: J, result: DeliveryResult): void
  onRetry?(job: J, failure: FailureSummary, attempt: number, delayMs: number): void
  /** Woopra answered 429 to an attempt of `job`: every start is paused, and (first of an episode) the rate lowered. */
  onThrottle?(job: J, throttle: Throttle): void
  /** Real time by default. */
  timers?: Timers
  /** Uniform in [0, 1), for the jitter (Math.random by default). */
  random?: () => number
}
