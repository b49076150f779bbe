/** One log entry: written as one JSON line. Callers put no payload or personal data in it unless asked to. */
export interface LogEntry {
  level: 'info' | 'warn' | 'error'
  msg: string
  [field: string]: unknown
}

export type Logger = (entry: LogEntry) => void

/** Nesting kept in a log line; deeper values are replaced by a marker (JSON.stringify throws at about 5,000 levels). */
const MAX_LOGGED_DEPTH = 32

/** `value` with everything nested deeper than `maxDepth` replaced by a marker, so that it always serializes. */
function boundDepth(value: unknown, maxDepth = MAX_LOGGED_DEPTH): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (maxDepth <= 0) return `[nested deeper than ${MAX_LOGGED_DEPTH} levels]`
  if (Array.isArray(value)) return value.map((item) => boundDepth(item, maxDepth - 1))
  const bounded: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) bounded[key] = boundDepth(item, maxDepth - 1)
  return bounded
}

/** One JSON line for an entry, whatever it holds. */
export function logLine(entry: LogEntry): string {
  const stamped = { time: new Date().toISOString(), ...entry }
  try {
    return JSON.stringify(stamped)
  } catch {
    return JSON.stringify(boundDepth(stamped))
  }
}

/** A logger that writes each entry as one JSON line, with the time first, to a stream (stdout by default). */
export function jsonLineLogger(stream: NodeJS.WritableStream = process.stdout): Logger {
  return (entry) => {
    stream.write(logLine(entry) + '\n')
  }
}

/** A logger that never throws: a log line that cannot be written must not cost a request or an event. */
export function safeLogger(log: Logger): Logger {
  return (entry) => {
    try {
      log(entry)
    } catch (error) {
      try {
        log({ level: 'error', msg: 'log line lost', lost: entry.msg, error: (error as Error)?.message ?? 'unknown' })
      } catch {
        // Nothing left to report it to.
      }
    }
  }
}

/** Milliseconds since `startedAt` (from `process.hrtime.bigint()`), rounded to a tenth. */
export function elapsedMs(startedAt: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - startedAt) / 1e5) / 10
}

/**
 * An error message fit for a log without payloads: the query of every URL or path in it cut (it holds the event),
 * whitespace runs made single spaces, and the length bounded.
 */
export function redactReason(message: unknown, maxLength = 300): string {
  const text = typeof message === 'string' ? message : String(message ?? '')
  const redacted = text.replace(/(\S)\?[^\s"'<>]+/g, '$1?…').replace(/\s+/g, ' ')
  return redacted.length > maxLength ? `${redacted.slice(0, maxLength)}…` : redacted
}

/**
 * `message` without the part that quotes `answerBody` (an HTTP answer's body, whole or cut short), for a log without
 * payloads: a destination may quote what the API answered, and an answer can echo the event.
 */
export function withoutAnswerBody(message: string, answerBody: unknown): string {
  if (typeof answerBody !== 'string' || answerBody.trim() === '') return message
  const start = message.indexOf(answerBody.slice(0, 16))
  if (start < 0) return message
  let end = start
  while (end < message.length && end - start < answerBody.length && message[end] === answerBody[end - start]) end++
  return `${message.slice(0, start)}<answer body>${message.slice(end)}`
}
