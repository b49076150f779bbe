// Ctrl+C as a person means it. Under `npm run` in a terminal one Ctrl+C reaches node twice within milliseconds (from
// the terminal, which signals the whole foreground group, and from npm, which forwards its own): signals closer than
// SAME_INTERRUPT_MS count as one. A later one is a second Ctrl+C: leave at once.

export const SAME_INTERRUPT_MS = 1000

export type InterruptKind = 'first' | 'same' | 'again'

export class Interrupts {
  private firstAt?: number

  constructor(private readonly sameWithinMs = SAME_INTERRUPT_MS) {}

  /** What a signal received at `now` means: the first, a copy of the first, or a second Ctrl+C. */
  receive(now = Date.now()): InterruptKind {
    if (this.firstAt === undefined) {
      this.firstAt = now
      return 'first'
    }
    return now - this.firstAt < this.sameWithinMs ? 'same' : 'again'
  }
}
