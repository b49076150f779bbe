import { RateGovernor } from '../../src/delivery'

// The governor's rule with explicit times: no clock, nothing depends on speed.

/** `count` successes spread evenly over [from, to). */
function succeed(governor: RateGovernor, count: number, from: number, to: number) {
  for (let i = 0; i < count; i++) governor.succeeded(from + ((to - from) * i) / count)
}

/** The times at which `count` attempts start from `from` on, each as soon as the governor allows. */
function startTimes(governor: RateGovernor, count: number, from: number): number[] {
  const times: number[] = []
  let now = from
  while (times.length < count) {
    now += governor.delayBeforeStart(now)
    governor.started(now)
    times.push(Math.round(now))
  }
  return times
}

describe('RateGovernor', () => {
  it('lets every attempt start at once until a 429, or paces them at maxRate', () => {
    expect(startTimes(new RateGovernor({ maxPauseMs: 60_000 }), 3, 0)).toEqual([0, 0, 0])
    expect(startTimes(new RateGovernor({ maxRate: 4, maxPauseMs: 60_000 }), 4, 0)).toEqual([0, 250, 500, 750])
  })

  it('keeps to its schedule when a start comes a little late, without making up for a longer gap', () => {
    const governor = new RateGovernor({ maxRate: 10, maxPauseMs: 60_000 })
    governor.started(0)
    governor.started(103) // 3 ms late: the next is still due at 200
    expect(governor.delayBeforeStart(190)).toBe(10)
    governor.started(200)
    governor.started(900) // idle for 600 ms: the next waits a whole interval
    expect(governor.delayBeforeStart(900)).toBe(100)
    // At 100 a second, a start 40 ms late is caught up (the next are due at once), one 60 ms late is not.
    const fast = new RateGovernor({ maxRate: 100, maxPauseMs: 60_000 })
    fast.started(0)
    fast.started(50)
    expect(fast.delayBeforeStart(50)).toBe(0)
    fast.started(200)
    expect(fast.delayBeforeStart(200)).toBe(10)
  })

  it('on a 429, holds every start for Retry-After, then allows 90% of the rate Woopra accepted in the last second', () => {
    const governor = new RateGovernor({ maxPauseMs: 60_000 })
    succeed(governor, 30, 0, 500) // older than a second at t = 1600: not counted
    succeed(governor, 50, 700, 1600)
    expect(governor.throttled(1590, 1600, 2000)).toEqual({ pauseMs: 2000, rate: 45 })
    expect(governor.delayBeforeStart(1600)).toBe(2000)
    expect(governor.delayBeforeStart(3599)).toBe(1)
    expect(startTimes(governor, 3, 3600)).toEqual([3600, 3622, 3644]) // 1000 / 45 ms apart
  })

  it('only pauses on a 429 in the first second of sending: too little was sent to tell the limit', () => {
    const governor = new RateGovernor({ maxPauseMs: 60_000 })
    governor.started(0)
    succeed(governor, 2, 0, 10)
    expect(governor.throttled(0, 999, 1000)).toEqual({ pauseMs: 1000, rate: Infinity })
    expect(startTimes(governor, 3, 1999)).toEqual([1999, 1999, 1999])
    succeed(governor, 20, 1999, 2100)
    expect(governor.throttled(2050, 2100, 1000)).toEqual({ pauseMs: 1000, rate: 18 })
  })

  it('bounds the pause by maxPauseMs, and pauses 1 s when the 429 has no Retry-After', () => {
    const bounded = new RateGovernor({ maxPauseMs: 20_000 })
    expect(bounded.throttled(0, 0, 3_600_000).pauseMs).toBe(20_000)
    expect(bounded.delayBeforeStart(0)).toBe(20_000)
    const unsaid = new RateGovernor({ maxPauseMs: 20_000 })
    expect(unsaid.throttled(0, 0, undefined).pauseMs).toBe(1000)
    expect(unsaid.delayBeforeStart(999)).toBe(1)
  })

  it('decreases once for the attempts that were in flight together, but each one can lengthen the pause', () => {
    const governor = new RateGovernor({ maxPauseMs: 60_000 })
    succeed(governor, 100, 0, 1000)
    expect(governor.throttled(990, 1000, 1000).rate).toBe(90)
    expect(governor.throttled(995, 1005, 1000)).toEqual({ pauseMs: 1000 }) // started before the decrease
    expect(governor.throttled(1000, 1004, 1000)).toEqual({ pauseMs: 1000 }) // started in the same millisecond
    expect(governor.rate(2005)).toBe(90)
    expect(governor.delayBeforeStart(2000)).toBe(5)
    // An attempt started after the decrease that is refused again is new news: another decrease.
    expect(governor.throttled(2100, 2110, 1000).rate).toBeLessThan(90)
  })

  it('ramps up by 1% of the decreased rate each second once the pause is over, up to maxRate', () => {
    const governor = new RateGovernor({ maxRate: 100, maxPauseMs: 60_000 })
    succeed(governor, 100, 0, 1000)
    governor.throttled(999, 1000, 1000)
    expect(governor.rate(1500)).toBe(90) // still paused: no increase yet
    expect(governor.rate(2000)).toBe(90)
    expect(governor.rate(12_000)).toBeCloseTo(99, 6)
    expect(governor.rate(22_000)).toBe(100)
  })

  it('never decreases by more than half, nor by less than 10%, of the rate it allowed', () => {
    const governor = new RateGovernor({ maxPauseMs: 60_000 })
    succeed(governor, 100, 0, 1000)
    governor.throttled(999, 1000, 1000) // 90/s from t = 2000
    // Refused again just after the pause: only 5 accepted in the last second, which says little about the limit.
    succeed(governor, 5, 2000, 2050)
    // Half of the rate allowed at that moment: 90/s grown by 1% of 90 per second for the 50 ms since the pause ended.
    expect(governor.throttled(2040, 2050, 1000).rate).toBeCloseTo((90 * 1.0005) / 2, 6)
    // Refused although more was accepted than the rate allowed (another sender's share changed): 10% less than the
    // rate allowed at that moment (grown by 1% per second for the 0.95 s since the pause ended).
    succeed(governor, 200, 3100, 4000)
    expect(governor.throttled(3990, 4000, 1000).rate).toBeCloseTo(0.9 * 45.0225 * 1.0095, 6)
  })

  it('allows at least 1 attempt per second, however often Woopra refuses', () => {
    const governor = new RateGovernor({ maxPauseMs: 60_000 })
    let now = 0
    for (let i = 0; i < 20; i++) {
      now += 1000
      governor.throttled(now - 1, now, 0)
    }
    expect(governor.rate(now)).toBe(1)
  })
})
