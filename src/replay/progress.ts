import { SingleBar } from 'cli-progress'
import type { Writable } from 'stream'

// What a person sees while the replay runs: a progress bar on a terminal, one JSON line every few seconds otherwise.
// Neither carries event data.

export interface Counts {
  read: number
  delivered: number
  skipped: number
  deadLettered: number
  retries: number
  /** Records an earlier run settled (--resume), passed over. */
  alreadySettled: number
  /** Records that belong to other shards. */
  otherShards: number
  bytesRead: number
}

export interface ProgressOptions {
  stream: Writable & { isTTY?: boolean }
  totalBytes?: number
  intervalMs: number
  counts: () => Counts
  inFlight: () => number
}

/** Events per second over the last `windowMs`. */
class RateMeter {
  private samples: { at: number; done: number }[] = []
  constructor(private readonly windowMs = 10_000) {}
  sample(done: number, at = Date.now()): number {
    this.samples.push({ at, done })
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift()
    const first = this.samples[0]
    const seconds = (at - first.at) / 1000
    return seconds > 0 ? (done - first.done) / seconds : 0
  }
}

const done = (counts: Counts) => counts.delivered + counts.skipped + counts.deadLettered

export class Progress {
  private bar?: SingleBar
  private timer?: NodeJS.Timeout
  private readonly meter = new RateMeter()
  private readonly startedAt = Date.now()

  constructor(private readonly options: ProgressOptions) {}

  start() {
    const { stream, totalBytes, intervalMs } = this.options
    if (stream.isTTY) {
      const known = totalBytes !== undefined && totalBytes > 0
      this.bar = new SingleBar({
        stream,
        fps: 5,
        etaBuffer: 200,
        etaAsynchronousUpdate: true,
        hideCursor: true,
        format: known
          ? '{bar} {percentage}% | {value} of ~{total} events | {rate}/s | retries {retries} | dead letters {dead} | ETA {eta_formatted}' // prettier-ignore
          : '{done} events | {rate}/s | retries {retries} | dead letters {dead} | elapsed {duration_formatted}'
      })
      this.bar.start(1, 0, this.payload())
      this.timer = setInterval(() => this.tick(), 500)
    } else {
      this.timer = setInterval(() => this.tick(), intervalMs)
    }
    this.timer.unref()
  }

  private payload() {
    const counts = this.options.counts()
    return { done: done(counts), rate: Math.round(this.meter.sample(done(counts))), retries: counts.retries, dead: counts.deadLettered } // prettier-ignore
  }

  /**
   * Events of this run (this shard's, those an earlier run settled included) in the whole input, estimated from the
   * bytes read so far (compressed bytes for gzip).
   */
  private estimatedTotal(counts: Counts): number | undefined {
    const total = this.options.totalBytes
    if (!total || counts.bytesRead === 0) return undefined
    return Math.round(((counts.read + counts.alreadySettled) * total) / Math.min(counts.bytesRead, total))
  }

  private tick() {
    const counts = this.options.counts()
    if (this.bar) {
      // Done of the estimated total (from the bytes read so far), so that the bar and the ETA count events.
      const value = done(counts) + counts.alreadySettled
      const estimate = this.estimatedTotal(counts)
      if (estimate !== undefined) this.bar.setTotal(Math.max(estimate, value, 1))
      this.bar.update(value, this.payload())
      return
    }
    this.options.stream.write(`${JSON.stringify(this.line(counts))}\n`)
  }

  /** The JSON progress line. */
  line(counts: Counts) {
    const total = this.options.totalBytes
    const rate = this.meter.sample(done(counts))
    const fraction = total ? Math.min(1, counts.bytesRead / total) : undefined
    const elapsedS = (Date.now() - this.startedAt) / 1000
    const etaS =
      fraction !== undefined && fraction > 0 && fraction < 1 ? Math.round((elapsedS / fraction) * (1 - fraction)) : undefined // prettier-ignore
    return {
      time: new Date().toISOString(),
      msg: 'progress',
      ...counts,
      inFlight: this.options.inFlight(),
      eventsPerSecond: Math.round(rate * 10) / 10,
      ...(total ? { totalBytes: total, percent: Math.round((fraction ?? 0) * 1000) / 10, estimatedTotal: this.estimatedTotal(counts) } : {}), // prettier-ignore
      ...(etaS !== undefined ? { etaSeconds: etaS } : {}),
      elapsedSeconds: Math.round(elapsedS)
    }
  }

  stop() {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.bar) {
      this.tick()
      this.bar.stop()
      this.bar = undefined
    }
  }
}
