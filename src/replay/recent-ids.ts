/**
 * Message IDs of the last N events, to skip duplicates as Segment does. A ring of N slots: the oldest ID leaves the
 * window when a new one comes, so memory stays bounded and an ID seen more than N events ago is new again.
 */
export class RecentIds {
  private readonly ring: (string | undefined)[]
  private readonly set = new Set<string>()
  private next = 0

  constructor(size: number) {
    this.ring = new Array(size)
  }

  /** True when `id` was seen within the window; remembers it either way. */
  seen(id: string): boolean {
    if (this.ring.length === 0) return false
    if (this.set.has(id)) return true
    const old = this.ring[this.next]
    if (old !== undefined) this.set.delete(old)
    this.ring[this.next] = id
    this.set.add(id)
    this.next = (this.next + 1) % this.ring.length
    return false
  }

  /** IDs held now (at most the window's size). */
  get size(): number {
    return this.set.size
  }
}
