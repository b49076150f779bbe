import { closeSync, openSync, writeSync } from 'fs'
import type { FailureSummary } from '../delivery'

/** One line of the dead-letter file. */
export interface DeadLetter {
  /** The source file as given (or '-' for standard input). */
  source: string
  /** The line the record starts on, and its position in the source (the line again for JSON lines). */
  line: number
  record: number
  /** The event, when the record was JSON; else `text`, the record as read. */
  event?: unknown
  text?: string
  errorClass: string
  status?: number
  message: string
  attempts: number
  time: string
}

/**
 * The dead-letter file, JSON lines. Each line is written with a synchronous write before the record counts as
 * settled in the checkpoint, so that a record is never settled without its dead letter on disk.
 */
export class DeadLetterFile {
  private fd?: number
  count = 0

  /** Appends to `file` when `append` (a resumed run); otherwise empties it at once, so no old dead letter remains. */
  constructor(readonly file: string, private readonly append: boolean) {
    if (!append) this.fd = openSync(file, 'w')
  }

  write(entry: Omit<DeadLetter, 'time'> & Partial<FailureSummary>) {
    this.fd ??= openSync(this.file, this.append ? 'a' : 'w')
    const { retryable: _retryable, retryAfterMs: _retryAfterMs, ...fields } = entry
    const time = new Date().toISOString()
    let line: string
    try {
      line = JSON.stringify({ ...fields, time })
    } catch (error) {
      // An event JSON.parse took but JSON.stringify cannot write (nested too deeply for the stack): the dead letter
      // still goes out, naming the event's source and line instead of holding it.
      const { event: _event, text: _text, ...rest } = fields
      const why = (error as Error)?.message ?? String(error)
      line = JSON.stringify({ ...rest, message: `${rest.message} (the event could not be written here: ${why}; it is at its source and line)`, time }) // prettier-ignore
    }
    writeSync(this.fd, `${line}\n`)
    this.count++
  }

  close() {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}
