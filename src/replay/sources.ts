import { createReadStream, promises as fs } from 'fs'
import path from 'path'
import { createGunzip } from 'zlib'
import type { Readable } from 'stream'
import type { S3Client } from '@aws-sdk/client-s3'
import { jsonArrayElements, jsonLines } from './records'
import type { RawRecord } from './records'
import { createS3Client, isS3Url, listS3Objects, s3ObjectStream, S3AccessError, s3Url } from './s3-source'
import type { S3Object, S3Options } from './s3-source'

// Where events come from: files, folders (recursively, in name order), S3 prefixes (in key order) and standard input;
// plain or gzipped (told by the content, not the name); JSON lines or one JSON array (told by the first character).

export const STDIN = '-'

export interface Source {
  /** The path as given or found (its absolute form keys the checkpoint), s3://bucket/key, or '-' for standard input. */
  name: string
  /** Size on disk (compressed size for gzip), when known. */
  bytes?: number
  /**
   * The name shards agree on, whatever the machine: the path under the folder given (the file's own name when given
   * itself), or the S3 key.
   */
  shardName: string
  /** Set for an object of an S3 input. */
  s3?: { client: S3Client; object: S3Object; options: S3Options }
}

/** Thrown for an input that does not exist or cannot be listed. */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

function isHidden(name: string): boolean {
  return name.startsWith('.')
}

/** Files the replay writes: never read as input, even when they sit in an input folder. */
export function isReplayOutput(file: string): boolean {
  return /^replay-(checkpoint|dead-letters)\b/.test(path.basename(file))
}

/**
 * Every file under the inputs, in a stable order: the inputs as given, folders walked in name order. Hidden files,
 * the replay's own files (default names) and `exclude` (absolute paths, such as this run's checkpoint) are left out.
 */
export async function listSources(
  inputs: readonly string[],
  exclude: ReadonlySet<string> = new Set(),
  s3Options: S3Options = {}
): Promise<Source[]> {
  // prettier-ignore
  const sources: Source[] = []
  let client: S3Client | undefined
  let root = ''
  const walk = async (file: string, given: boolean): Promise<void> => {
    let stat
    try {
      stat = await fs.stat(file)
    } catch (error) {
      throw new InputError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    if (stat.isDirectory()) {
      const entries = (await fs.readdir(file)).filter((name) => !isHidden(name)).sort()
      for (const entry of entries) await walk(path.join(file, entry), false)
    } else if (
      isReplayOutput(file) ||
      exclude.has(path.resolve(file)) ||
      (/\.tmp$/.test(file) && exclude.has(path.resolve(file).replace(/\.\d+\.tmp$/, '')))
    ) {
      return
    } else if (stat.isFile() || given) {
      const shardName = given ? path.basename(file) : path.relative(root, file).split(path.sep).join('/')
      sources.push({ name: file, bytes: stat.isFile() ? stat.size : undefined, shardName })
    }
  }
  for (const input of inputs) {
    if (input === STDIN) sources.push({ name: STDIN, shardName: STDIN })
    else if (isS3Url(input)) {
      client ??= createS3Client(s3Options)
      const objects = await listS3Objects(client, input).catch((error: S3AccessError) => {
        throw new InputError(error.message)
      })
      for (const object of objects) {
        if (isReplayOutput(object.key)) continue
        const s3 = { client, object, options: s3Options }
        sources.push({ name: s3Url(object.bucket, object.key), bytes: object.size, shardName: object.key, s3 })
      }
    } else {
      root = input
      await walk(input, true)
    }
  }
  // A file named twice (given, and inside a given folder) is read once.
  const seen = new Set<string>()
  return sources.filter((source) => {
    const key = sourceKey(source)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The checkpoint's name for a source: its absolute path, s3://bucket/key, or '-'. */
export function sourceKey(source: Source): string {
  return source.name === STDIN || source.s3 ? source.name : path.resolve(source.name)
}

/** The raw bytes of a source. */
function openSource(source: Source, stdin: Readable): AsyncIterable<Buffer | string> & { destroy(): void } {
  if (source.s3) return s3ObjectStream(source.s3.client, source.s3.object, source.s3.options)
  return source.name === STDIN ? stdin : createReadStream(source.name, { highWaterMark: 256 * 1024 })
}

/**
 * The records of one source. `onBytes` is called with the number of raw (compressed) bytes read as reading goes,
 * for the progress: as the position of the records cut so far (for gzip, the compressed bytes the decompressor has
 * consumed), not as read ahead, so that bytes and records grow together. Errors of the source itself (unreadable, corrupt gzip, a broken JSON array) are thrown after the
 * records read before them.
 */
export async function* readRecords(
  source: Source,
  onBytes: (bytes: number) => void,
  stdin: Readable = process.stdin
): AsyncGenerator<RawRecord> {
  const raw = openSource(source, stdin)
  let rawBytes = 0
  const counted = countBytes(raw, (bytes) => (rawBytes += bytes))
  let reported = 0
  const reportPosition = (position: number) => {
    if (position > reported) onBytes(position - reported)
    reported = Math.max(reported, position)
  }
  const first = await counted.next()
  if (first.done) return
  const head = first.value
  const rest = prepend(head, counted)
  let decompressed: AsyncIterable<Buffer> = rest
  let gunzip: ReturnType<typeof createGunzip> | undefined
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    gunzip = createGunzip()
    decompressed = pipeInto(rest, gunzip)
  }
  let textBytes = 0
  const positioned = mapChunks(slices(decompressed, POSITION_STEP_BYTES), (chunk) => {
    textBytes += chunk.length
    reportPosition(gunzip ? gunzip.bytesWritten : textBytes)
  })
  const text = peekFirstCharacter(positioned)
  try {
    const firstChar = await text.first
    yield* firstChar === '[' ? jsonArrayElements(text.chunks) : jsonLines(text.chunks)
  } finally {
    reportPosition(rawBytes)
    if (raw !== stdin) raw.destroy()
    gunzip?.destroy()
  }
}

async function* countBytes(
  stream: AsyncIterable<Buffer | string>,
  onBytes: (bytes: number) => void
): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    onBytes(buffer.length)
    yield buffer
  }
}

/** Text is handed to the record splitter in pieces of this size at most, so that the position moves in small steps. */
const POSITION_STEP_BYTES = 16 * 1024

async function* slices(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += size) yield chunk.subarray(start, start + size)
  }
}

async function* mapChunks(chunks: AsyncIterable<Buffer>, onChunk: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    onChunk(chunk)
    yield chunk
  }
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield head
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value
}

/** Writes `input` into a transform (respecting its back-pressure) and yields what comes out. */
async function* pipeInto(
  input: AsyncIterable<Buffer>,
  transform: ReturnType<typeof createGunzip>
): AsyncGenerator<Buffer> {
  let failure: unknown
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        if (!transform.write(chunk)) await new Promise((resolve) => transform.once('drain', resolve))
      }
      transform.end()
    } catch (error) {
      failure = error
      transform.destroy(error as Error)
    }
  })()
  try {
    for await (const chunk of transform) yield chunk as Buffer
  } finally {
    await feeding.catch(() => undefined)
  }
  if (failure) throw failure
}

/** Thrown for a source that is binary, not text: it would otherwise cost a dead letter of garbage per "line". */
class NotTextError extends Error {
  constructor() {
    super(`The source is not text (a NUL byte in its first ${BINARY_SNIFF_BYTES} bytes), so neither JSON lines nor a JSON array.`) // prettier-ignore
    this.name = 'NotTextError'
  }
}

/** JSON text never holds a raw NUL byte; binary formats (zip, images, Parquet) hold one near the start. As git does. */
const BINARY_SNIFF_BYTES = 8000

/**
 * The first non-whitespace character of a byte stream (after a UTF-8 BOM), and the stream unchanged. Throws
 * NotTextError for a binary stream.
 */
function peekFirstCharacter(input: AsyncIterable<Buffer>): { first: Promise<string>; chunks: AsyncIterable<Buffer> } {
  const iterator = input[Symbol.asyncIterator]()
  const seen: Buffer[] = []
  const first = (async () => {
    for (;;) {
      const next = await iterator.next()
      if (next.done) return ''
      if (seen.length === 0 && next.value.subarray(0, BINARY_SNIFF_BYTES).includes(0)) throw new NotTextError()
      seen.push(next.value)
      const text = next.value.toString('latin1').replace(/^\xef\xbb\xbf/, '')
      const match = /\S/.exec(text)
      if (match) return match[0]
    }
  })()
  async function* chunks(): AsyncGenerator<Buffer> {
    await first
    for (const chunk of seen) yield chunk
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
  }
  return { first, chunks: chunks() }
}
