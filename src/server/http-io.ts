import type { IncomingMessage, ServerResponse } from 'http'
import { createGunzip, createInflate } from 'zlib'
import type { Transform } from 'stream'

/** The largest request body the serve routes read, after decompression; more is answered 413. */
export const MAX_BODY_BYTES = 512 * 1024

export interface HttpErrorDetails {
  /** Errors by field, as the CLI reports them. */
  fields?: Record<string, string>
  /** What the log says instead of the message, when the message quotes the request's data. */
  logMessage?: string
  /** Headers of the answer, such as `Allow` for a 405. */
  headers?: Record<string, string>
}

/** A request the server refuses: answered with `status` and a message saying what to change. */
export class HttpError extends Error {
  readonly fields?: Record<string, string>
  readonly logMessage: string
  readonly headers: Record<string, string>

  constructor(readonly status: number, message: string, details: HttpErrorDetails = {}) {
    super(message)
    this.name = 'HttpError'
    this.fields = details.fields
    this.logMessage = details.logMessage ?? message
    this.headers = details.headers ?? {}
  }
}

/** Which media types a route takes as JSON: `application/json` and `+json` types always, others per route. */
function isJsonContentType(contentType: string | undefined, alsoAccepted: readonly string[] = []): boolean {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase()
  return mediaType === 'application/json' || mediaType.endsWith('+json') || alsoAccepted.includes(mediaType)
}

/** How much of a body a route reads, and how it refuses more. */
export interface BodyLimit {
  maxBytes: number
  /** The status of the refusal: 413 by default; Segment's API answers 400. */
  status?: number
  /** What the refusal says, e.g. "The body is larger than 512 KB: send fewer or smaller events." */
  message?: string
}

export interface ReadBodyOptions {
  /** Media types the route also takes as JSON, such as `text/plain`. */
  alsoAccepted?: readonly string[]
  limit?: BodyLimit
}

/**
 * The request body parsed as JSON. Refuses, with the status a client can act on: an empty body (400), a media type
 * that is not JSON (415), a content encoding other than gzip or deflate (415), more than the limit (413 unless the
 * route says otherwise), and text that is not JSON (400).
 */
export async function readJsonBody(req: IncomingMessage, options: ReadBodyOptions = {}): Promise<unknown> {
  const limit = options.limit ?? { maxBytes: MAX_BODY_BYTES }
  const declaredLength = Number(req.headers['content-length'] ?? NaN)
  const chunked = req.headers['transfer-encoding'] !== undefined
  if (declaredLength === 0 || (Number.isNaN(declaredLength) && !chunked)) {
    throw new HttpError(400, 'The request has no body: send a JSON object with `Content-Type: application/json`.')
  }
  if (!isJsonContentType(req.headers['content-type'], options.alsoAccepted)) {
    const given = req.headers['content-type'] ? `"${req.headers['content-type']}"` : 'none'
    throw new HttpError(
      415,
      `The body must be JSON sent with \`Content-Type: application/json\` (content type: ${given}).`
    )
  }
  if (declaredLength > limit.maxBytes) throw tooLarge(limit)
  const text = (await readLimited(req, decoderFor(req.headers['content-encoding']), limit)).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (error) {
    // V8's message quotes the body, which may hold personal data: the answer gets it, the log does not.
    const message = `The body is not valid JSON: ${(error as Error).message}`
    throw new HttpError(400, message, { logMessage: 'The body is not valid JSON.' })
  }
}

function tooLarge(limit: BodyLimit): HttpError {
  const message = limit.message ?? `The body is larger than ${limit.maxBytes / 1024} KB: send fewer or smaller events.`
  return new HttpError(limit.status ?? 413, message)
}

function decoderFor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity') return undefined
  // Segment's HTTP API takes gzip-compressed bodies; deflate costs nothing more to take as well.
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip()
  if (encoding === 'deflate') return createInflate()
  throw new HttpError(415, `The content encoding "${contentEncoding}" is not supported: send gzip or no encoding.`)
}

/** The (decoded) body, stopping at the size limit; the rest is left for Node to drain so the connection survives. */
function readLimited(req: IncomingMessage, decoder: Transform | undefined, limit: BodyLimit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const source = decoder ? req.pipe(decoder) : req
    const chunks: Buffer[] = []
    let size = 0
    const fail = (error: HttpError) => {
      if (decoder) {
        req.unpipe(decoder)
        decoder.destroy()
      }
      source.removeAllListeners('data')
      req.resume()
      reject(error)
    }
    source.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit.maxBytes) return fail(tooLarge(limit))
      chunks.push(chunk)
    })
    source.once('end', () => resolve(Buffer.concat(chunks)))
    // A client reset mid-body errors the request, which a pipe does not pass on to the decoder.
    req.once('error', (error: Error) => fail(new HttpError(400, error.message)))
    if (decoder) {
      decoder.once('error', (error: Error) =>
        fail(new HttpError(400, `The body could not be decompressed: ${error.message}`))
      )
    }
  })
}

/** Answers with a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text))
  })
  res.end(text)
}

/** A plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
