import type { SegmentEvent } from '@segment/actions-core'
import { integrationEnabled, visitorKey } from '../delivery'
import type { FailureSummary } from '../delivery'
import type { RawRecord } from './records'
import { RecentIds } from './recent-ids'
import { shardOf } from './shard'
import type { Shard } from './shard'

// Turning records into events: parse each record, keep this shard's, skip duplicates and events turned off for
// Woopra, and say what becomes of each. Pure decisions: the caller counts and settles.

/** What becomes of one record. */
export type RecordDecision =
  /** Another shard's record: passed over, not counted as read. */
  | { kind: 'other-shard' }
  /** Not an event: dead-lettered at once, with the event (JSON but not an event) or the text as read. */
  | { kind: 'dead'; failure: FailureSummary; event?: unknown; text?: string }
  /** Its messageId was among the last events read. */
  | { kind: 'duplicate' }
  /** `integrations` turns Woopra off for it. */
  | { kind: 'disabled' }
  /** To deliver, in order with the other events of the same `key` (the visitor). */
  | { kind: 'deliver'; event: SegmentEvent; key: string }

/** A source as the sieve needs it: its name, and the name shards agree on (sources.ts). */
export interface RecordSource {
  name: string
  shardName: string
}

type Parsed = { event: Record<string, unknown> } | { failure: FailureSummary; event?: unknown; text?: string }

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const invalid = (errorClass: string, message: string): FailureSummary => ({ errorClass, message, retryable: false })

/** The record as a Segment event, or why it is not one. */
export function parseRecord(raw: RawRecord): Parsed {
  if (raw.text === undefined) {
    return { failure: invalid(raw.problemClass ?? 'RecordTooLarge', raw.problem ?? 'The record could not be read.') }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw.text)
  } catch (error) {
    return { failure: invalid('SyntaxError', `The record is not JSON: ${(error as Error).message}`), text: raw.text }
  }
  if (!isPlainObject(parsed)) {
    return { failure: invalid('InvalidEvent', 'The record is JSON but not an object, so not a Segment event.'), event: parsed } // prettier-ignore
  }
  if (typeof parsed.type !== 'string') {
    return { failure: invalid('InvalidEvent', 'The record has no `type`, so it is not a Segment event.'), event: parsed } // prettier-ignore
  }
  return { event: parsed }
}

export class EventSieve {
  private readonly recent: RecentIds

  constructor(private readonly shard: Shard | undefined, private readonly dedupeWindow: number) {
    this.recent = new RecentIds(dedupeWindow)
  }

  private owns(hashKey: string): boolean {
    return !this.shard || shardOf(hashKey, this.shard.count) === this.shard.index
  }

  /** A record with no visitor (or no event) belongs to the shard its own text (or its position) hashes to. */
  private shardKey(raw: RawRecord, visitor: string, source: RecordSource): string {
    return visitor || (raw.text ?? `${source.shardName}:${raw.record}`)
  }

  /** Whether a failure of the whole source (unreadable, binary, a broken gzip) is this shard's to report. */
  ownsSource(source: RecordSource): boolean {
    return this.owns(source.shardName)
  }

  /**
   * A record an earlier run settled: whether it was this shard's (to count it as the first run did); its messageId
   * still counts for deduplication of the events after it.
   */
  passOver(raw: RawRecord, source: RecordSource): 'own' | 'other' {
    if (!this.shard && this.dedupeWindow === 0) return 'own'
    const parsed = parseRecord(raw)
    const visitor = 'failure' in parsed ? '' : visitorKey(parsed.event)
    if (!this.owns(this.shardKey(raw, visitor, source))) return 'other'
    const messageId = 'failure' in parsed ? undefined : parsed.event.messageId
    if (this.dedupeWindow > 0 && typeof messageId === 'string' && messageId !== '') this.recent.seen(messageId)
    return 'own'
  }

  decide(raw: RawRecord, source: RecordSource): RecordDecision {
    const parsed = parseRecord(raw)
    const visitor = 'failure' in parsed ? '' : visitorKey(parsed.event)
    if (!this.owns(this.shardKey(raw, visitor, source))) return { kind: 'other-shard' }
    if ('failure' in parsed) return { kind: 'dead', ...parsed }
    const event = parsed.event as unknown as SegmentEvent
    if (typeof event.messageId === 'string' && event.messageId !== '' && this.recent.seen(event.messageId)) {
      return { kind: 'duplicate' }
    }
    if (!integrationEnabled(event)) return { kind: 'disabled' }
    return { kind: 'deliver', event, key: visitor || `${source.name}:${raw.record}` }
  }
}
