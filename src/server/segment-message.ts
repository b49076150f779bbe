import { randomUUID, timingSafeEqual } from 'crypto'
import type { SegmentEvent } from '@segment/actions-core'
import { isPlainObject } from './http-io'

// What Segment's HTTP Tracking API does with a message before destinations see it, as far as a destination can tell.

const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value)
}

/** The write key a request carries: the user name of its Basic authorization, else `writeKey` in its body. */
export function writeKeyOf(authorization: string | undefined, body: Record<string, unknown>): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '')
  if (match) {
    const credentials = Buffer.from(match[1], 'base64').toString('utf8')
    const user = credentials.split(':')[0]
    if (user) return user
  }
  return typeof body.writeKey === 'string' ? body.writeKey : undefined
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
export function sameKey(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Fields a batch can set once for all its messages. */
export interface BatchDefaults {
  sentAt?: unknown
  context?: unknown
  integrations?: unknown
}

function validTime(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const ms = new Date(value).getTime()
  return Number.isFinite(ms) ? ms : undefined
}

/**
 * A message as Segment's API passes it on: `type` from the route (or the message, in a batch); the batch's `context`
 * and `integrations` under the message's own; `messageId` when missing; `receivedAt`; `sentAt`; and `timestamp`
 * corrected for the client's clock skew when the client says when it sent the message
 * (`receivedAt - (sentAt - originalTimestamp)`), else as given, else `receivedAt`.
 */
export function normalizeMessage(
  message: Record<string, unknown>,
  type: MessageType,
  receivedAt: Date,
  batch: BatchDefaults = {}
): SegmentEvent {
  const normalized: Record<string, unknown> = { ...message, type }
  delete normalized.writeKey
  for (const key of ['context', 'integrations'] as const) {
    if (isPlainObject(batch[key]) || isPlainObject(message[key])) {
      normalized[key] = {
        ...(isPlainObject(batch[key]) ? batch[key] : {}),
        ...(isPlainObject(message[key]) ? message[key] : {})
      }
    }
  }
  if (typeof normalized.messageId !== 'string' || normalized.messageId === '')
    normalized.messageId = `api-${randomUUID()}`
  normalized.receivedAt = receivedAt.toISOString()

  const sentAt = message.sentAt ?? batch.sentAt
  if (sentAt !== undefined) normalized.sentAt = sentAt
  const sentAtMs = validTime(sentAt)
  const timestampMs = validTime(message.timestamp)
  if (timestampMs === undefined) {
    normalized.timestamp = normalized.receivedAt
  } else {
    normalized.originalTimestamp = message.timestamp
    if (sentAtMs !== undefined) {
      normalized.timestamp = new Date(receivedAt.getTime() - (sentAtMs - timestampMs)).toISOString()
    }
  }
  return normalized as unknown as SegmentEvent
}

/** Why Segment's API would drop this message, or undefined when it takes it. */
export function messageProblem(message: SegmentEvent): string | undefined {
  const hasId = (value: unknown) => (typeof value === 'string' && value.trim() !== '') || typeof value === 'number'
  if (!hasId(message.userId) && !hasId(message.anonymousId))
    return 'The message has neither a userId nor an anonymousId.'
  if (message.type === 'track' && (typeof message.event !== 'string' || message.event.trim() === '')) {
    return 'A track message must have an `event` name.'
  }
  return undefined
}

/**
 * The length in bytes of `value` as JSON, as `JSON.stringify` would write it for the values `JSON.parse` gives, but
 * without recursion: a message nested thousands of levels deep is measured, not a `RangeError`.
 */
export function jsonByteLength(value: unknown): number {
  let bytes = 0
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const item = stack.pop()
    if (item === null || typeof item === 'boolean' || typeof item === 'number' || typeof item === 'string') {
      bytes += Buffer.byteLength(JSON.stringify(item) ?? 'null')
    } else if (Array.isArray(item)) {
      bytes += 2 + Math.max(item.length - 1, 0)
      for (const element of item) stack.push(element === undefined ? null : element)
    } else if (typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>).filter(([, field]) => field !== undefined)
      bytes += 2 + Math.max(entries.length - 1, 0)
      for (const [key, field] of entries) {
        bytes += Buffer.byteLength(JSON.stringify(key)) + 1
        stack.push(field)
      }
    }
  }
  return bytes
}
