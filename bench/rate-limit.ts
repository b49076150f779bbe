// A stand-in for Woopra's per-project rate limit, for the bench's 429 scenario and the replay's tests: at most
// `perSecond` requests accepted in any window of one second; beyond that, the request is refused (a 429).

export class SlidingWindowLimit {
  /** When each request accepted in the last second came, oldest first. */
  private readonly accepted: number[] = []
  private head = 0

  constructor(readonly perSecond: number) {}

  /** Whether a request arriving at `at` (ms, never decreasing) is accepted; an accepted one counts against the next. */
  take(at: number): boolean {
    while (this.head < this.accepted.length && this.accepted[this.head] <= at - 1000) this.head++
    if (this.head > 4096) {
      this.accepted.splice(0, this.head)
      this.head = 0
    }
    if (this.accepted.length - this.head >= this.perSecond) return false
    this.accepted.push(at)
    return true
  }
}
