import type { RecentEntry } from './recent-deliveries'

/*
 * How the development page follows `GET /dev/requests`: one poll at a time, each entry handed on once. A timer may
 * ask for a poll while the last one is still waiting for a slow answer: that asks for nothing more (two polls from the
 * same sequence number would both get the same entries). And an entry already handed on (by its sequence number) is
 * never handed on again, whatever the server answers.
 */

/** One answer of `GET /dev/requests?since=…`, or undefined when there was none to read. */
export type FetchRecent = (since: number) => Promise<{ entries: RecentEntry[]; next: number } | undefined>

export interface CloudPoller {
  /** Polls once, unless a poll is under way: then the promise of that poll. */
  poll(): Promise<void>
  /** How many polls were asked for, sent, and skipped because one was under way (for the page's tests). */
  readonly counts: { asked: number; sent: number; skipped: number }
}

export function createCloudPoller(fetchRecent: FetchRecent, onEntries: (entries: RecentEntry[]) => void): CloudPoller {
  /** The highest sequence number handed on: the server numbers entries in order, from 1. */
  let handedOn = 0
  let underWay: Promise<void> | undefined
  const counts = { asked: 0, sent: 0, skipped: 0 }

  async function pollOnce(): Promise<void> {
    counts.sent++
    const answer = await fetchRecent(handedOn)
    if (!answer) return
    // A server restarted since the last poll numbers from 1 again: start over with it.
    if (answer.next < handedOn) handedOn = 0
    const fresh = answer.entries.filter((entry) => entry.seq > handedOn)
    for (const entry of fresh) handedOn = Math.max(handedOn, entry.seq)
    if (fresh.length > 0) onEntries(fresh)
  }

  return {
    counts,
    poll() {
      counts.asked++
      if (underWay) {
        counts.skipped++
        return underWay
      }
      underWay = pollOnce().finally(() => {
        underWay = undefined
      })
      return underWay
    }
  }
}
