import type { LogEntry, Logger } from '../log'

/*
 * What the development page shows of the cloud side: the last Woopra requests dry run kept from the network, and how
 * each `/v1` event's delivery ended. Both come from the server's own log lines, read as they are written, so the
 * page needs nothing from the delivery code.
 */

/** A Woopra request the cloud destination built (dry run: not sent). */
export interface BuiltRequest {
  seq: number
  kind: 'request'
  time: string
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

/** How the delivery of one `/v1` event ended: the server's event log line, without payloads. */
export interface DeliveryOutcome {
  seq: number
  kind: 'outcome'
  time: string
  msg: string
  messageId: string
  [field: string]: unknown
}

export type RecentEntry = BuiltRequest | DeliveryOutcome

/** How many entries are kept; older ones are dropped. */
export const RECENT_LIMIT = 200
/** A kept request body is cut to this many characters (POSTs of very large events). */
const BODY_LIMIT = 16 * 1024
/** Log fields that hold the event itself (only with --log-payloads); the page has the event already. */
const PAYLOAD_FIELDS = new Set(['event', 'urls'])

export class RecentDeliveries {
  private readonly entries: RecentEntry[] = []
  private lastSeq = 0

  constructor(private readonly limit = RECENT_LIMIT) {}

  /** A logger that writes to `log` and keeps the entries the page shows. */
  tee(log: Logger): Logger {
    return (entry) => {
      log(entry)
      this.keep(entry)
    }
  }

  /** The entries after `seq` (all that are kept for 0), oldest first, and the sequence number to ask from next. */
  since(seq: number): { entries: RecentEntry[]; next: number } {
    return { entries: this.entries.filter((entry) => entry.seq > seq), next: this.lastSeq }
  }

  private keep(entry: LogEntry): void {
    const time = new Date().toISOString()
    if (entry.msg === 'dry run: not sent' && typeof entry.url === 'string') {
      const body = typeof entry.body === 'string' ? entry.body : ''
      this.push({
        seq: ++this.lastSeq,
        kind: 'request',
        time,
        method: String(entry.method ?? 'GET'),
        url: entry.url,
        headers: (entry.headers as Record<string, string> | undefined) ?? {},
        body: body.length > BODY_LIMIT ? `${body.slice(0, BODY_LIMIT)}… (cut)` : body
      })
      return
    }
    if (typeof entry.messageId === 'string') {
      const fields = Object.entries(entry).filter(([field]) => !PAYLOAD_FIELDS.has(field))
      const { messageId, msg } = entry
      this.push({ ...Object.fromEntries(fields), seq: ++this.lastSeq, kind: 'outcome', time, msg, messageId })
    }
  }

  private push(entry: RecentEntry): void {
    this.entries.push(entry)
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit)
  }
}
