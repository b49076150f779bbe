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
  let state: 'before' | 'element' | 'after' = 'before'
  let depth = 0
  let inString = false
  let escaped = false
  let current = ''
  let currentBytes = 0
  let oversized = false
  let started = false
  let line = 1
  let startLine = 1
  let record = 0

  const take = (): RawRecord | undefined => {
    const text = current.trim()
    const wasOversized = oversized
    current = ''
    currentBytes = 0
    oversized = false
    started = false
    if (!wasOversized && text === '') return undefined
    record++
    return wasOversized
      ? {
          record,
          line: startLine,
          problem: `The element is longer than ${maxBytes} bytes.`,
          problemClass: 'RecordTooLarge' as const
        }
      : { record, line: startLine, text }
  }

  for await (const chunk of chunks) {
    const text = decoder.write(chunk)
    let segmentStart = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) line++
      if (state === 'before') {
        if (c === 0x5b /* [ */) {
          state = 'element'
          segmentStart = i + 1
        } else if (!isWhitespace(c) && !(c === 0xfeff && i === 0)) {
          throw new ArrayFormatError(`Expected a JSON array to start with "[" on line ${line}.`)
        }
        continue
      }
      if (state === 'after') {
        if (!isWhitespace(c)) throw new ArrayFormatError(`Unexpected text after the end of the JSON array, line ${line}.`) // prettier-ignore
        continue
      }
      if (!started && !isWhitespace(c)) {
        started = true
        startLine = line
      }
      if (inString) {
        if (escaped) escaped = false
        else if (c === 0x5c /* \ */) escaped = true
        else if (c === 0x22 /* " */) inString = false
        continue
      }
      if (c === 0x22) inString = true
      else if (c === 0x7b || c === 0x5b) depth++
      else if (c === 0x7d || c === 0x5d) {
        if (depth > 0) depth--
        else {
          // The closing bracket of the array itself.
          append(text.slice(segmentStart, i))
          const last = take()
          if (last) yield last
          state = 'after'
          continue
        }
      } else if (c === 0x2c /* , */ && depth === 0) {
        append(text.slice(segmentStart, i))
        const element = take()
        if (element) yield element
        segmentStart = i + 1
      }
    }
    if (state === 'element') append(text.slice(segmentStart))
  }
  if (state === 'before') return
  if (state === 'element') {
    if (current.trim() !== '' || oversized) {
      const element = take()
      if (element) yield { record: element.record, line: element.line, problem: 'The JSON array ends in the middle of this element.', problemClass: 'RecordCut' } // prettier-ignore
    }
    throw new ArrayFormatError('The JSON array is not closed: the file ends before its "]".')
  }

  function append(segment: string) {
    if (oversized || segment === '') return
    currentBytes += segment.length
    if (currentBytes > maxBytes) {
      oversized = true
      current = ''
    } else current += segment
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}
