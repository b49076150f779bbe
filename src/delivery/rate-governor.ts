import { Deque } from './deque'

// Woopra's rate limits are per project, so a 429 is news for every visitor's lane, not only the one that got it.
//
// The rule: on a 429, every start pauses until its Retry-After (at most maxPauseMs), and the allowed rate drops to
// 90% of what Woopra accepted in the second before (multiplicative decrease: at most 90%, at least half of the rate
// allowed until then). When the pause ends, the allowed rate grows by 1% of that new rate each second (additive
// increase), up to the ceiling, until the next 429. The 429s of attempts already in flight when the first came are
// the same overload: they may lengthen the pause, but do not lower the rate again. A 429 within the first second of
// sending only pauses: too little was sent to tell the limit (if the limit is real, the next 429 lowers the rate).
// The rate, not the concurrency, is what is governed: Woopra counts requests per second, and with fast answers even
// one request at a time can exceed that.

/** Rates are starts per second. */
export interface RateGovernorOptions {
  /** The user's ceiling (--rate); none by default. */
  maxRate?: number
  /** The longest pause one Retry-After may impose. */
  maxPauseMs: number
  /** The pause after a 429 whose Retry-After is missing or unreadable (default 1 s). */
  defaultPauseMs?: number
}

/** What a 429 changed: the pause that now holds every start, and the rate allowed after it. */
export interface Throttle {
  pauseMs: number
  /**
   * The rate allowed after the pause (Infinity: no limit), for the first 429 of an overload; undefined for the others
   * (their attempts started before that first 429 was answered).
   */
  rate?: number
}

const DECREASE = 0.9
const INCREASE_PER_SECOND = 0.01
const MIN_RATE = 1
const WINDOW_MS = 1000
/** How far behind its schedule pacing may be and still catch up (a burst of at most this long's share of the rate). */
const MAX_CATCH_UP_MS = 50

export class RateGovernor {
  private readonly maxRate: number
  private readonly maxPauseMs: number
  private readonly defaultPauseMs: number
  /** No attempt starts before this time. */
  private pausedUntil = -Infinity
  /** The rate the last decrease set, from which the increase counts; undefined before the first 429. */
  private decreasedTo?: number
  /** When the last overload's first 429 came: the 429s of attempts started before are the same overload. */
  private lastOverloadAt = -Infinity
  private nextStartAt = -Infinity
  /** When the first attempt started (or the first outcome came). */
  private sendingSince?: number
  /** When each success of the last second arrived. */
  private readonly successes = new Deque<number>()

  constructor(options: RateGovernorOptions) {
    if (options.maxRate !== undefined && !(options.maxRate > 0)) throw new RangeError('maxRate must be more than 0')
    this.maxRate = options.maxRate ?? Infinity
    this.maxPauseMs = Math.max(0, options.maxPauseMs)
    this.defaultPauseMs = Math.min(options.defaultPauseMs ?? 1000, this.maxPauseMs)
  }

  /** Starts per second allowed at `now` (Infinity: no limit). */
  rate(now: number): number {
    if (this.decreasedTo === undefined) return this.maxRate
    const growingMs = Math.max(0, now - this.pausedUntil)
    const grown = this.decreasedTo * (1 + (INCREASE_PER_SECOND * growingMs) / 1000)
    return Math.min(this.maxRate, grown)
  }

  /** Milliseconds to wait before the next attempt may start (0: it may start now). */
  delayBeforeStart(now: number): number {
    return Math.max(0, this.pausedUntil - now, this.nextStartAt - now)
  }

  /** An attempt starts now (when delayBeforeStart said 0): the next one waits its share of the allowed rate. */
  started(now: number): void {
    this.sendingSince ??= now
    const rate = this.rate(now)
    if (rate === Infinity) {
      this.nextStartAt = -Infinity
      return
    }
    const interval = 1000 / rate
    // Timers fire late, more so on a busy machine: keep to the schedule rather than add each delay to it, unless the
    // starts fell behind by more than MAX_CATCH_UP_MS (idle, or held by concurrency), which is not made up.
    const onSchedule = now - this.nextStartAt < Math.max(interval, MAX_CATCH_UP_MS)
    this.nextStartAt = (onSchedule ? this.nextStartAt : now) + interval
  }

  /** Woopra accepted an attempt (any answer but a 429 counts: it was not refused for the rate). */
  succeeded(now: number): void {
    this.sendingSince ??= now
    this.successes.push(now)
    this.forgetBefore(now - WINDOW_MS)
  }

  /** Woopra answered 429 to an attempt that started at `startedAt`. */
  throttled(startedAt: number, now: number, retryAfterMs?: number): Throttle {
    this.sendingSince ??= now
    const allowed = this.rate(now)
    const pauseMs = Math.min(retryAfterMs ?? this.defaultPauseMs, this.maxPauseMs)
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs)
    this.nextStartAt = -Infinity
    // The other attempts in flight when the first 429 came are the same overload: one decrease for them all.
    // (In the same millisecond too: once the first 429 is answered, nothing starts before the pause ends.)
    if (startedAt <= this.lastOverloadAt) return { pauseMs }
    this.lastOverloadAt = now
    if (now - this.sendingSince < WINDOW_MS) return { pauseMs, rate: allowed }
    this.forgetBefore(now - WINDOW_MS)
    const accepted = this.successes.length * (1000 / WINDOW_MS)
    const fromAccepted = DECREASE * accepted
    const rate = allowed === Infinity ? fromAccepted : Math.min(DECREASE * allowed, Math.max(allowed / 2, fromAccepted))
    this.decreasedTo = Math.max(MIN_RATE, rate)
    return { pauseMs, rate: this.rate(now) }
  }

  private forgetBefore(time: number): void {
    for (let first = this.successes.peek(); first !== undefined && first < time; first = this.successes.peek()) {
      this.successes.shift()
    }
  }
}
