import { StringDecoder } from 'string_decoder'

// Splitting a decompressed byte stream into records: JSON lines, or the elements of one JSON array, without ever
// holding more than one record (bounded) in memory.

/** One record of a source: its text, or why it could not be cut out. */
export interface RawRecord {
  /** 1-based: the line number for JSON lines, the element's position for a JSON array. Keys the checkpoint. */
  record: number
  /** The line the record starts on. */
  line: number
  text?: string
  /** Set instead of text when the record was not readable: too large, or cut by the end of the source. */
  problem?: string
  problemClass?: 'RecordTooLarge' | 'RecordCut'
}

/** A record longer than this is not an event (Segment accepts 32 KB); it is dead-lettered, not held in memory. */
export const MAX_RECORD_BYTES = 1024 * 1024

const NEWLINE = 0x0a

/** JSON lines: one record per line; blank lines are not records; `\r\n` is accepted. */
export async function* jsonLines(
  chunks: AsyncIterable<Buffer>,
  maxBytes = MAX_RECORD_BYTES
): AsyncGenerator<RawRecord> {
  let parts: Buffer[] = []
  let partBytes = 0
  let oversized = false
  let line = 0
  const finish = (last: Buffer): RawRecord | undefined => {
    line++
    if (oversized || partBytes + last.length > maxBytes) {
      oversized = false
      parts = []
      partBytes = 0
      return {
        record: line,
        line,
        problem: `The line is longer than ${maxBytes} bytes.`,
        problemClass: 'RecordTooLarge'
      }
    }
    const buffer = parts.length === 0 ? last : Buffer.concat([...parts, last])
    parts = []
    partBytes = 0
    let text = buffer.toString('utf8')
    if (text.endsWith('\r')) text = text.slice(0, -1)
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    return text.trim() === '' ? undefined : { record: line, line, text }
  }
  for await (const chunk of chunks) {
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const record = finish(oversized ? Buffer.alloc(0) : chunk.subarray(start, end))
      if (record) yield record
      start = end + 1
    }
    if (start < chunk.length && !oversized) {
      const rest = chunk.subarray(start)
      partBytes += rest.length
      if (partBytes > maxBytes) {
        oversized = true
        parts = []
      } else parts.push(Buffer.from(rest))
    }
  }
  if (partBytes > 0 || oversized) {
    const record = finish(Buffer.alloc(0))
    if (record) yield record
  }
}

/** Thrown when a JSON array file is not one well-formed array; what was read before stays read. */
export class ArrayFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ArrayFormatError'
  }
}

/**
 * The elements of one JSON array (`[ {...}, {...} ]`), each as its own text, cut at the commas and the closing
 * bracket that are outside strings and nested values. Elements are then parsed one by one, so a corrupt element
 * costs only itself, as long as its brackets and quotes balance.
 */
export async function* jsonArrayElements(
  chunks: AsyncIterable<Buffer>,
  maxBytes = MAX_RECORD_BYTES
): AsyncGenerator<RawRecord> {
  const decoder = new StringDecoder('utf8')
  const splitter = new ArraySplitter(maxBytes)
  for await (const chunk of chunks) yield* splitter.feed(decoder.write(chunk))
  yield* splitter.end()
}

/** The state of cutting one JSON array into its elements' texts, fed text as it comes. */
class ArraySplitter {
  private state: 'before' | 'element' | 'after' = 'before'
  private depth = 0
  private inString = false
  private escaped = false
  private current = ''
  private currentBytes = 0
  private oversized = false
  private started = false
  private line = 1
  private startLine = 1
  private record = 0
  /** Where the text of the current element begins in the text being fed. */
  private segmentStart = 0

  constructor(private readonly maxBytes: number) {}

  *feed(text: string): Generator<RawRecord> {
    this.segmentStart = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) this.line++
      if (this.state === 'before') this.beforeArray(c, i)
      else if (this.state === 'after') {
        if (!isWhitespace(c)) throw new ArrayFormatError(`Unexpected text after the end of the JSON array, line ${this.line}.`) // prettier-ignore
      } else {
        const element = this.inElement(text, c, i)
        if (element) yield element
      }
    }
    if (this.state === 'element') this.append(text.slice(this.segmentStart))
  }

  /** At the end of the text: an array not closed is an error, after its cut last element. */
  *end(): Generator<RawRecord> {
    if (this.state !== 'element') return
    if (this.current.trim() !== '' || this.oversized) {
      const element = this.take()
      if (element) yield { record: element.record, line: element.line, problem: 'The JSON array ends in the middle of this element.', problemClass: 'RecordCut' } // prettier-ignore
    }
    throw new ArrayFormatError('The JSON array is not closed: the file ends before its "]".')
  }

  private beforeArray(c: number, i: number) {
    if (c === 0x5b /* [ */) {
      this.state = 'element'
      this.segmentStart = i + 1
    } else if (!isWhitespace(c) && !(c === 0xfeff && i === 0)) {
      throw new ArrayFormatError(`Expected a JSON array to start with "[" on line ${this.line}.`)
    }
  }

  /** One character inside the array: the element it ends (at a comma or the closing bracket), if any. */
  private inElement(text: string, c: number, i: number): RawRecord | undefined {
    if (!this.started && !isWhitespace(c)) {
      this.started = true
      this.startLine = this.line
    }
    if (this.inString) {
      if (this.escaped) this.escaped = false
      else if (c === 0x5c /* \ */) this.escaped = true
      else if (c === 0x22 /* " */) this.inString = false
      return undefined
    }
    if (c === 0x22) this.inString = true
    else if (c === 0x7b || c === 0x5b) this.depth++
    else if ((c === 0x7d || c === 0x5d) && this.depth > 0) this.depth--
    else if (c === 0x7d || c === 0x5d || (c === 0x2c /* , */ && this.depth === 0)) {
      // A comma between elements, or the closing bracket of the array itself.
      this.append(text.slice(this.segmentStart, i))
      if (c === 0x2c) this.segmentStart = i + 1
      else this.state = 'after'
      return this.take()
    }
    return undefined
  }

  private take(): RawRecord | undefined {
    const text = this.current.trim()
    const wasOversized = this.oversized
    this.current = ''
    this.currentBytes = 0
    this.oversized = false
    this.started = false
    if (!wasOversized && text === '') return undefined
    this.record++
    if (!wasOversized) return { record: this.record, line: this.startLine, text }
    return { record: this.record, line: this.startLine, problem: `The element is longer than ${this.maxBytes} bytes.`, problemClass: 'RecordTooLarge' } // prettier-ignore
  }

  private append(segment: string) {
    if (this.oversized || segment === '') return
    this.currentBytes += segment.length
    if (this.currentBytes > this.maxBytes) {
      this.oversized = true
      this.current = ''
    } else this.current += segment
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}
