import type { DryRunRequest } from '../../delivery'
import type { LogEntry, Logger } from '../log'

/*
 * What the development page shows of the cloud side: the last Woopra requests dry run kept from the network (told by
 * the dry-run agent, in full), and how each `/v1` event's delivery ended (the server's event log lines, which carry
 * the message ID and no payload). Kept in memory, for the loopback-only page.
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

  /** A logger that writes to `log` and keeps the delivery outcomes the page shows. */
  tee(log: Logger): Logger {
    return (entry) => {
      log(entry)
      try {
        this.keepOutcome(entry)
      } catch {
        // The page's record is a convenience: it must never disturb the server's own logging.
      }
    }
  }

  /** Keeps a request dry run kept from the network. */
  keepRequest(request: DryRunRequest): void {
    const { body } = request
    this.push({
      seq: ++this.lastSeq,
      kind: 'request',
      time: new Date().toISOString(),
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: body.length > BODY_LIMIT ? `${body.slice(0, BODY_LIMIT)}… (cut)` : body
    })
  }

  /** The entries after `seq` (all that are kept for 0), oldest first, and the sequence number to ask from next. */
  since(seq: number): { entries: RecentEntry[]; next: number } {
    return { entries: this.entries.filter((entry) => entry.seq > seq), next: this.lastSeq }
  }

  private keepOutcome(entry: LogEntry): void {
    if (typeof entry.messageId !== 'string') return
    const fields = Object.entries(entry).filter(([field]) => !PAYLOAD_FIELDS.has(field))
    const { messageId, msg } = entry
    const time = new Date().toISOString()
    this.push({ ...Object.fromEntries(fields), seq: ++this.lastSeq, kind: 'outcome', time, msg, messageId })
  }

  private push(entry: RecentEntry): void {
    this.entries.push(entry)
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit)
  }
}
