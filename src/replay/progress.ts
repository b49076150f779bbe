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
  /**
   * Bytes of the sources read so far, as the position of the records taken: compressed bytes for gzip (what the
   * decompressor has consumed), so that it grows with the events, not in jumps of read-ahead.
   */
  bytesRead: number
}

export interface ProgressOptions {
  stream: Writable & { isTTY?: boolean }
  totalBytes?: number
  intervalMs: number
  counts: () => Counts
  inFlight: () => number
  /** --limit: at most this many records of this run are read. */
  limit?: number
  /** A dry run: what it counts as delivered, it would send. */
  dryRun?: boolean
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
  /** Events delivered (a dry run: written) per second: eventsPerSecond. */
  private readonly sendMeter = new RateMeter()
  /** Records settled per second (skipped and dead-lettered included): the ETA. */
  private readonly settleMeter = new RateMeter()
  private readonly startedAt = Date.now()

  constructor(private readonly options: ProgressOptions) {}

  start() {
    const { stream, totalBytes, intervalMs } = this.options
    if (stream.isTTY) {
      const known = (totalBytes !== undefined && totalBytes > 0) || this.options.limit !== undefined
      this.bar = new SingleBar({
        stream,
        fps: 5,
        etaBuffer: 200,
        etaAsynchronousUpdate: true,
        hideCursor: true,
        format: known
          ? `{bar} {percentage}% | {value} of ~{total} events | ${this.sendWord} {rate}/s | retries {retries} | dead letters {dead} | ETA {eta_formatted}` // prettier-ignore
          : `{done} events | ${this.sendWord} {rate}/s | retries {retries} | dead letters {dead} | elapsed {duration_formatted}` // prettier-ignore
      })
      this.bar.start(1, 0, this.payload(this.options.counts()))
      this.timer = setInterval(() => this.tick(), 500)
    } else {
      this.timer = setInterval(() => this.tick(), intervalMs)
    }
    this.timer.unref()
  }

  private get sendWord(): string {
    return this.options.dryRun ? 'would send' : 'sending'
  }

  private payload(counts: Counts) {
    const rate = Math.round(this.sendMeter.sample(counts.delivered))
    return { done: done(counts), rate, retries: counts.retries, dead: counts.deadLettered }
  }

  /**
   * Records of this run (this shard's, those an earlier run settled included) in the whole input, estimated from the
   * bytes read so far (compressed bytes for gzip), and no more than --limit lets this run read.
   */
  estimatedTotal(counts: Counts): number | undefined {
    const total = this.options.totalBytes
    const byLimit = this.options.limit !== undefined ? counts.alreadySettled + this.options.limit : undefined
    if (!total || counts.bytesRead === 0) return byLimit
    const byBytes = Math.round(((counts.read + counts.alreadySettled) * total) / Math.min(counts.bytesRead, total))
    return byLimit !== undefined ? Math.min(byBytes, byLimit) : byBytes
  }

  private tick() {
    const counts = this.options.counts()
    if (this.bar) {
      // Settled of the estimated total, so that the bar and the ETA count records.
      const value = done(counts) + counts.alreadySettled
      const estimate = this.estimatedTotal(counts)
      if (estimate !== undefined) this.bar.setTotal(Math.max(estimate, value, 1))
      this.bar.update(value, this.payload(counts))
      return
    }
    this.options.stream.write(`${JSON.stringify(this.line(counts))}\n`)
  }

  /** The JSON progress line; a dry run's `delivered` is `wouldSend`. */
  line(counts: Counts) {
    const sendRate = this.sendMeter.sample(counts.delivered)
    const settleRate = this.settleMeter.sample(done(counts))
    const estimate = this.estimatedTotal(counts)
    const value = done(counts) + counts.alreadySettled
    const fraction = estimate ? Math.min(1, value / estimate) : undefined
    const etaS = estimate !== undefined && settleRate > 0 ? Math.round(Math.max(0, estimate - value) / settleRate) : undefined // prettier-ignore
    const { delivered, ...others } = counts
    return {
      time: new Date().toISOString(),
      msg: 'progress',
      ...(this.options.dryRun ? { wouldSend: delivered } : { delivered }),
      ...others,
      inFlight: this.options.inFlight(),
      eventsPerSecond: Math.round(sendRate * 10) / 10,
      ...(this.options.totalBytes ? { totalBytes: this.options.totalBytes } : {}),
      ...(estimate !== undefined ? { estimatedTotal: estimate, percent: Math.round((fraction ?? 0) * 1000) / 10 } : {}), // prettier-ignore
      ...(etaS !== undefined ? { etaSeconds: etaS } : {}),
      elapsedSeconds: Math.round((Date.now() - this.startedAt) / 1000)
    }
  }

  /** `finished`: the run read what it was to read (all, or up to --limit), so the bar ends at 100%. */
  stop(finished = false) {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.bar) {
      this.tick()
      if (finished) {
        const counts = this.options.counts()
        const value = done(counts) + counts.alreadySettled
        this.bar.setTotal(Math.max(value, 1))
        this.bar.update(value, this.payload(counts))
      }
      this.bar.stop()
      this.bar = undefined
    }
  }
}
