import { IntegrationError, PayloadValidationError, RetryableError } from '@segment/actions-core'
import { Delivery, DeliveryClosedError } from '../../src/delivery'
import type { DeliveryOptions, DeliveryResult, FailureSummary, Timers } from '../../src/delivery'
import { LAST_RESPONSE } from '../../src/delivery/failure'

// The delivery engine with fake deliver functions and a fake clock: no real waiting, nothing depends on speed.

/** A clock that moves only when told to; timers fire in time order. */
class FakeClock implements Timers {
  time = 0
  private timers: { at: number; seq: number; callback: () => void }[] = []
  private seq = 0
  readonly requested: number[] = []

  now = () => this.time

  setTimeout = (callback: () => void, ms: number) => {
    this.requested.push(ms)
    const timer = { at: this.time + ms, seq: this.seq++, callback }
    this.timers.push(timer)
    return () => {
      this.timers = this.timers.filter((other) => other !== timer)
    }
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number) {
    const target = this.time + ms
    for (;;) {
      await settle()
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = due.at
      due.callback()
    }
    this.time = target
    await settle()
  }
}

/** Lets every pending promise callback run (a few event-loop turns; no time passes on the fake clock). */
async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

interface Job {
  id: string
  key: string
}

/** A deliver function whose attempts stay open until the test ends them. */
function controlledDeliver() {
  const open = new Map<string, { resolve: () => void; reject: (error: unknown) => void; attempt: number }>()
  const started: string[] = []
  let maxAtOnce = 0
  const deliver = (job: Job, attempt: number) =>
    new Promise<{ outcome: 'delivered'; actions: string[] }>((resolve, reject) => {
      started.push(job.id)
      open.set(job.id, { resolve: () => resolve({ outcome: 'delivered', actions: ['trackEvent'] }), reject, attempt })
      maxAtOnce = Math.max(maxAtOnce, open.size)
    }).finally(() => open.delete(job.id))
  return {
    deliver,
    open,
    started,
    maxAtOnce: () => maxAtOnce,
    finish(id: string) {
      const attempt = open.get(id)
      if (!attempt) throw new Error(`${id} is not in flight (in flight: ${[...open.keys()].join(', ')})`)
      attempt.resolve()
    },
    fail(id: string, error: unknown) {
      const attempt = open.get(id)
      if (!attempt) throw new Error(`${id} is not in flight (in flight: ${[...open.keys()].join(', ')})`)
      attempt.reject(error)
    }
  }
}

function makeDelivery(overrides: Partial<DeliveryOptions<Job>> & Pick<DeliveryOptions<Job>, 'deliver'>) {
  const clock = new FakeClock()
  const results: [string, DeliveryResult][] = []
  const retries: { id: string; failure: FailureSummary; attempt: number; delayMs: number }[] = []
  const delivery = new Delivery<Job>({
    concurrency: 2,
    keyOf: (job) => job.key,
    onResult: (job, result) => results.push([job.id, result]),
    onRetry: (job, failure, attempt, delayMs) => retries.push({ id: job.id, failure, attempt, delayMs }),
    timers: clock,
    random: () => 0.5,
    backoff: { baseMs: 100, maxMs: 1000 },
    ...overrides
  })
  return { delivery, clock, results, retries }
}

const job = (id: string, key = id): Job => ({ id, key })

/** The error the destination throws for Woopra's 429, with the answer's Retry-After attached as delivery reads it. */
function tooManyRequests(retryAfterSeconds: string) {
  const error = new IntegrationError('Woopra answered 429 Too Many Requests to /track/ce', 'HTTP', 429)
  const response = { status: 429, headers: { 'Retry-After': retryAfterSeconds } }
  Object.defineProperty(error, LAST_RESPONSE, { value: response })
  return error
}

describe('Delivery', () => {
  it('runs at most `concurrency` jobs at once and gives each job exactly one result', async () => {
    const control = controlledDeliver()
    const { delivery, results } = makeDelivery({ deliver: control.deliver, concurrency: 3 })
    for (let i = 0; i < 10; i++) expect(delivery.tryEnqueue(job(`j${i}`))).toBe(true)
    await settle()
    expect(control.started).toEqual(['j0', 'j1', 'j2'])
    expect(delivery.pending).toBe(10)
    expect(delivery.inFlight).toBe(3)
    for (let i = 0; i < 10; i++) {
      control.finish(`j${i}`)
      await settle()
    }
    expect(control.maxAtOnce()).toBe(3)
    expect(results.map(([id]) => id)).toEqual(Array.from({ length: 10 }, (_, i) => `j${i}`))
    expect(results[0][1]).toEqual({ outcome: 'delivered', attempts: 1, actions: ['trackEvent'] })
    expect(delivery.pending).toBe(0)
    expect(await delivery.drain()).toEqual({ drained: true, unfinished: [] })
  })

  it('runs the jobs of one key one at a time, in enqueue order, while other keys go on (no head-of-line blocking)', async () => {
    const control = controlledDeliver()
    const { delivery, results } = makeDelivery({ deliver: control.deliver, concurrency: 4 })
    delivery.tryEnqueue(job('a1', 'A'))
    delivery.tryEnqueue(job('a2', 'A'))
    delivery.tryEnqueue(job('a3', 'A'))
    delivery.tryEnqueue(job('b1', 'B'))
    delivery.tryEnqueue(job('c1', 'C'))
    delivery.tryEnqueue(job('b2', 'B'))
    await settle()
    // A and B each have one job running; A's and B's later jobs wait though slots are free.
    expect(control.started).toEqual(['a1', 'b1', 'c1'])
    control.finish('b1')
    control.finish('c1')
    await settle()
    expect(control.started).toEqual(['a1', 'b1', 'c1', 'b2'])
    control.finish('b2')
    await settle()
    expect(results.map(([id]) => id)).toEqual(['b1', 'c1', 'b2'])
    control.finish('a1')
    await settle()
    control.finish('a2')
    await settle()
    control.finish('a3')
    await settle()
    expect(control.started).toEqual(['a1', 'b1', 'c1', 'b2', 'a2', 'a3'])
    expect(results.map(([id]) => id)).toEqual(['b1', 'c1', 'b2', 'a1', 'a2', 'a3'])
  })

  it('retries a retryable failure with exponential backoff and jitter, holding back only that key', async () => {
    const control = controlledDeliver()
    const { delivery, clock, results, retries } = makeDelivery({
      deliver: control.deliver,
      random: () => 0.25,
      backoff: { baseMs: 100, maxMs: 300 }
    })
    delivery.tryEnqueue(job('a1', 'A'))
    delivery.tryEnqueue(job('a2', 'A'))
    delivery.tryEnqueue(job('b1', 'B'))
    delivery.tryEnqueue(job('b2', 'B'))
    await settle()
    control.fail('a1', new RetryableError('Woopra could not be reached: socket hang up', 503))
    await settle()
    // a1 waits for its retry without a slot: B's jobs run, a2 stays behind a1.
    expect(retries).toEqual([
      {
        id: 'a1',
        attempt: 1,
        delayMs: 63, // 100 / 2 + 0.25 × 100 / 2, rounded
        failure: {
          errorClass: 'RetryableError',
          status: 503,
          message: 'Woopra could not be reached: socket hang up',
          retryable: true
        }
      }
    ])
    expect([...control.open.keys()]).toEqual(['b1'])
    control.finish('b1')
    await settle()
    expect([...control.open.keys()]).toEqual(['b2'])
    await clock.advance(62)
    expect(control.open.has('a1')).toBe(false)
    await clock.advance(1)
    expect(control.open.get('a1')?.attempt).toBe(2)
    control.fail('a1', new IntegrationError('Woopra answered 500 Internal Server Error to /track/ce', 'HTTP', 500))
    await settle()
    expect(retries[1]).toMatchObject({ id: 'a1', attempt: 2, delayMs: 125 }) // 200 / 2 + 0.25 × 200 / 2
    await clock.advance(125)
    control.fail('a1', new RetryableError('timeout', 408))
    await settle()
    expect(retries[2]).toMatchObject({ id: 'a1', attempt: 3, delayMs: 188 }) // capped at maxMs 300
    await clock.advance(188)
    expect(control.open.get('a1')?.attempt).toBe(4)
    expect(control.started.filter((id) => id === 'a2')).toEqual([])
    control.finish('a1')
    await settle()
    control.finish('a2')
    control.finish('b2')
    await settle()
    expect(results.map(([id, result]) => [id, result.outcome, result.attempts])).toEqual([
      ['b1', 'delivered', 1],
      ['a1', 'delivered', 4],
      ['a2', 'delivered', 1],
      ['b2', 'delivered', 1]
    ])
  })

  it('waits for Retry-After when it is longer than the backoff, up to maxRetryAfterMs', async () => {
    const control = controlledDeliver()
    const { delivery, clock, retries } = makeDelivery({
      deliver: control.deliver,
      backoff: { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 20_000 }
    })
    const tooMany = tooManyRequests
    delivery.tryEnqueue(job('a'))
    await settle()
    control.fail('a', tooMany('7'))
    await settle()
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 7000, failure: { status: 429, retryAfterMs: 7000 } })
    await clock.advance(6999)
    expect(control.open.has('a')).toBe(false)
    await clock.advance(1)
    control.fail('a', tooMany('3600'))
    await settle()
    expect(retries[1]).toMatchObject({ attempt: 2, delayMs: 20_000, failure: { retryAfterMs: 3_600_000 } })
    await clock.advance(20_000)
    expect(control.open.get('a')?.attempt).toBe(3)
  })

  it('after a 429, starts nothing on any lane until its Retry-After, then paces every lane at the lowered rate', async () => {
    const control = controlledDeliver()
    const throttles: unknown[] = []
    const { delivery, clock } = makeDelivery({
      deliver: (job, attempt) => {
        starts.push([job.id, clock.time])
        return control.deliver(job, attempt)
      },
      concurrency: 4,
      onThrottle: (job, throttle) => throttles.push([job.id, throttle])
    })
    const starts: [string, number][] = []
    delivery.tryEnqueue(job('a1', 'A'))
    delivery.tryEnqueue(job('b1', 'B'))
    await clock.advance(500)
    control.finish('b1')
    await clock.advance(700)
    control.fail('a1', tooManyRequests('5'))
    await settle()
    // Woopra took 1 request in the last second: the rate drops to 90% of that, at least 1 a second.
    expect(throttles).toEqual([['a1', { pauseMs: 5000, rate: 1 }]])
    delivery.tryEnqueue(job('b2', 'B'))
    delivery.tryEnqueue(job('c1', 'C'))
    await clock.advance(4999)
    expect(starts).toEqual([
      ['a1', 0],
      ['b1', 0]
    ])
    const finishAll = () => [...control.open.keys()].forEach((id) => control.finish(id))
    await clock.advance(1)
    finishAll()
    await clock.advance(1000)
    finishAll()
    await clock.advance(1100)
    // The retry of a1 and the other visitors' events, one a second (grown by 1% a second since the pause ended).
    expect(starts.slice(2).map(([, at]) => Math.round(at))).toEqual([6200, 7200, 8190])
    expect(
      starts
        .slice(2)
        .map(([id]) => id)
        .sort()
    ).toEqual(['a1', 'b2', 'c1'])
  })

  it("after a 429 that gives the event up, holds that visitor's next event for the Retry-After too", async () => {
    const control = controlledDeliver()
    const starts: [string, number][] = []
    const { delivery, clock, results } = makeDelivery({
      deliver: (job, attempt) => {
        starts.push([job.id, clock.time])
        return control.deliver(job, attempt)
      },
      maxAttempts: 1
    })
    delivery.tryEnqueue(job('a1', 'A'))
    delivery.tryEnqueue(job('a2', 'A'))
    await settle()
    control.fail('a1', tooManyRequests('3'))
    await settle()
    expect(results.map(([id, result]) => [id, result.outcome])).toEqual([['a1', 'dead']])
    await clock.advance(2999)
    expect(starts).toEqual([['a1', 0]])
    await clock.advance(1)
    expect(starts).toEqual([
      ['a1', 0],
      ['a2', 3000]
    ])
  })

  it('gives up after maxAttempts, and at once on a permanent failure', async () => {
    let calls = 0
    const { delivery, clock, results } = makeDelivery({
      maxAttempts: 3,
      deliver: async (j) => {
        calls++
        if (j.id === 'bad') throw new PayloadValidationError('no cookie, no user ID and no email')
        throw new IntegrationError('Woopra answered 503 Service Unavailable to /track/ce', 'HTTP', 503)
      }
    })
    delivery.tryEnqueue(job('bad'))
    delivery.tryEnqueue(job('down'))
    await clock.advance(10_000)
    expect(calls).toBe(4)
    expect(results).toEqual([
      [
        'bad',
        {
          outcome: 'dead',
          attempts: 1,
          actions: [],
          failure: {
            errorClass: 'PayloadValidationError',
            status: 400,
            message: 'no cookie, no user ID and no email',
            retryable: false
          }
        }
      ],
      [
        'down',
        {
          outcome: 'dead',
          attempts: 3,
          actions: [],
          failure: {
            errorClass: 'IntegrationError',
            status: 503,
            message: 'Woopra answered 503 Service Unavailable to /track/ce',
            retryable: true
          }
        }
      ]
    ])
  })

  it('reports skipped events as skipped, and a deliver that throws at once as a failure', async () => {
    const { delivery, results } = makeDelivery({
      deliver: (j) => {
        if (j.id === 'sync') throw new TypeError('boom')
        return Promise.resolve({ outcome: 'skipped', actions: [] })
      }
    })
    delivery.tryEnqueue(job('group'))
    delivery.tryEnqueue(job('sync'))
    expect(await delivery.drain(1000)).toEqual({ drained: true, unfinished: [] })
    expect(results.sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ['group', { outcome: 'skipped', attempts: 1, actions: [] }],
      [
        'sync',
        {
          outcome: 'dead',
          attempts: 1,
          actions: [],
          failure: { errorClass: 'TypeError', message: 'boom', retryable: false }
        }
      ]
    ])
  })

  it('refuses with tryEnqueue when maxQueued jobs are unfinished; enqueue waits for room, in order', async () => {
    const control = controlledDeliver()
    const { delivery, results } = makeDelivery({ deliver: control.deliver, concurrency: 1, maxQueued: 2 })
    expect(delivery.tryEnqueue(job('j1'))).toBe(true)
    expect(delivery.tryEnqueue(job('j2'))).toBe(true)
    expect(delivery.tryEnqueue(job('j3'))).toBe(false)
    const accepted: string[] = []
    const j3 = delivery.enqueue(job('j3')).then(() => accepted.push('j3'))
    const j4 = delivery.enqueue(job('j4')).then(() => accepted.push('j4'))
    await settle()
    expect(accepted).toEqual([])
    expect(delivery.tryEnqueue(job('jx'))).toBe(false) // no overtaking the waiting enqueue() calls
    expect(delivery.pending).toBe(2)
    control.finish('j1')
    await j3
    expect(accepted).toEqual(['j3'])
    expect(delivery.pending).toBe(2)
    control.finish('j2')
    await j4
    control.finish('j3')
    await settle()
    control.finish('j4')
    await settle()
    expect(results.map(([id]) => id)).toEqual(['j1', 'j2', 'j3', 'j4'])
  })

  it('accepts nothing after close(): tryEnqueue is false, enqueue rejects, waiting enqueues reject', async () => {
    const control = controlledDeliver()
    const { delivery } = makeDelivery({ deliver: control.deliver, maxQueued: 1 })
    delivery.tryEnqueue(job('j1'))
    const waiting = delivery.enqueue(job('j2'))
    delivery.close()
    await expect(waiting).rejects.toBeInstanceOf(DeliveryClosedError)
    expect(delivery.tryEnqueue(job('j3'))).toBe(false)
    await expect(delivery.enqueue(job('j4'))).rejects.toBeInstanceOf(DeliveryClosedError)
    await settle()
    control.finish('j1')
    expect(await delivery.drain()).toEqual({ drained: true, unfinished: [] })
  })

  it('drain(timeout) returns what did not finish in time, and those jobs never get a result', async () => {
    const control = controlledDeliver()
    const { delivery, clock, results } = makeDelivery({ deliver: control.deliver, concurrency: 2 })
    for (const [id, key] of [['a1', 'A'], ['a2', 'A'], ['b1', 'B'], ['c1', 'C'], ['d1', 'D']]) delivery.tryEnqueue(job(id, key)) // prettier-ignore
    await settle()
    control.finish('b1')
    await settle()
    control.fail('c1', new RetryableError('reset', 503))
    await settle()
    // Now: a1 in flight, a2 queued behind it, c1 waiting to retry, d1 in flight.
    const draining = delivery.drain(5000)
    await clock.advance(5000)
    const drained = await draining
    expect(drained.drained).toBe(false)
    expect(drained.unfinished.map((j) => j.id).sort()).toEqual(['a1', 'a2', 'c1', 'd1'])
    expect(delivery.pending).toBe(0)
    control.finish('a1')
    control.finish('d1')
    await clock.advance(60_000)
    expect(results.map(([id]) => id)).toEqual(['b1'])
    expect(control.started).toEqual(['a1', 'b1', 'c1', 'd1'])
  })

  it('starts at most `rate` attempts per second', async () => {
    const starts: number[] = []
    const { delivery, clock } = makeDelivery({
      concurrency: 10,
      rate: 4,
      deliver: async () => {
        starts.push(clock.time)
        return { outcome: 'delivered', actions: ['trackEvent'] }
      }
    })
    for (let i = 0; i < 6; i++) delivery.tryEnqueue(job(`j${i}`))
    await clock.advance(2000)
    expect(starts).toEqual([0, 250, 500, 750, 1000, 1250])
  })

  it('survives an onResult callback that throws, and reports it as a process warning', async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      const { delivery } = makeDelivery({
        deliver: async () => ({ outcome: 'delivered', actions: [] }),
        onResult: () => {
          throw new Error('callback bug')
        }
      })
      delivery.tryEnqueue(job('a'))
      delivery.tryEnqueue(job('b'))
      expect(await delivery.drain(1000)).toEqual({ drained: true, unfinished: [] })
      expect(emitWarning.mock.calls).toEqual([
        ['A delivery callback threw: callback bug', 'DeliveryCallbackWarning'],
        ['A delivery callback threw: callback bug', 'DeliveryCallbackWarning']
      ])
    } finally {
      emitWarning.mockRestore()
    }
  })
})

describe('Delivery.cancelQueued (a graceful stop)', () => {
  it('lets what is in flight finish, starts and retries nothing more, and reports the rest as unfinished', async () => {
    const control = controlledDeliver()
    const { delivery, clock, results } = makeDelivery({ deliver: control.deliver, concurrency: 2 })
    for (const [id, key] of [['a1', 'A'], ['a2', 'A'], ['b1', 'B'], ['c1', 'C'], ['d1', 'D']]) delivery.tryEnqueue(job(id, key)) // prettier-ignore
    await settle()
    control.fail('b1', new RetryableError('reset', 503))
    await settle()
    // Now a1 and c1 run; b1 waits to be retried; a2 and d1 are queued.
    expect([...control.open.keys()]).toEqual(['a1', 'c1'])
    delivery.cancelQueued()
    expect(delivery.tryEnqueue(job('e1'))).toBe(false)
    expect(delivery.pending).toBe(2)
    control.finish('a1')
    control.fail('c1', new RetryableError('reset', 503))
    const drained = await delivery.drain(10_000)
    expect(drained.drained).toBe(false)
    expect(drained.unfinished.map((j) => j.id).sort()).toEqual(['a2', 'b1', 'c1', 'd1'])
    await clock.advance(60_000)
    expect(control.started).toEqual(['a1', 'b1', 'c1'])
    expect(results.map(([id, result]) => [id, result.outcome])).toEqual([['a1', 'delivered']])
  })

  it('lets a drain that is already waiting end once what is in flight has finished', async () => {
    const control = controlledDeliver()
    const { delivery } = makeDelivery({ deliver: control.deliver, concurrency: 1 })
    delivery.tryEnqueue(job('a'))
    delivery.tryEnqueue(job('b'))
    await settle()
    const draining = delivery.drain()
    delivery.cancelQueued()
    control.finish('a')
    expect(await draining).toEqual({ drained: false, unfinished: [job('b')] })
  })
})
