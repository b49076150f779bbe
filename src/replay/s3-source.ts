import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import type { Readable } from 'stream'

// Archives read straight from S3 (Segment's Amazon S3 destination writes gzipped JSON lines under
// segment-logs/<source-id>/<day>/): `s3://bucket/prefix` inputs listed in key order and each object streamed, never
// copied to disk. Credentials and region come from the AWS SDK's standard chain (environment, profile, SSO, web
// identity, container and instance roles); `--s3-endpoint` points the client at an S3-compatible store.
//
// What the caller needs: s3:ListBucket on the bucket (for the prefix) and s3:GetObject on its objects.

/** One object to read: what the listing said of it. The ETag keys the checkpoint's identity of the source. */
export interface S3Object {
  bucket: string
  key: string
  etag: string
  size: number
}

export interface S3Options {
  /** An S3-compatible endpoint (MinIO, Ceph, a local server), addressed path-style. */
  endpoint?: string
  /** Transient read failures (reset, cut, stall) of one object before it counts as unreadable. */
  readRetries?: number
  /** A body that sends nothing for this long is cut and read again from where it stopped. */
  idleTimeoutMs?: number
}

/**
 * An S3 failure that is not about the data of one object (access denied, no such bucket, no credentials, throttled
 * beyond the retries, unreachable): reading stops with its message, nothing of the object is settled, so that
 * --resume reads it once the cause is fixed. `message` is one line meant for a person.
 */
export class S3AccessError extends Error {
  constructor(message: string, readonly errorClass: string) {
    super(message)
    this.name = 'S3AccessError'
  }
}

export function isS3Url(text: string): boolean {
  return /^s3:\/\//i.test(text)
}

/** `s3://bucket/prefix` → bucket and prefix (may be empty). */
export function parseS3Url(text: string): { bucket: string; prefix: string } {
  const rest = text.replace(/^s3:\/\//i, '')
  const slash = rest.indexOf('/')
  const bucket = slash === -1 ? rest : rest.slice(0, slash)
  const prefix = slash === -1 ? '' : rest.slice(slash + 1)
  // The naming rules of S3 (3 to 63 lower-case letters, digits, dots and hyphens), so that a typo is named here.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new S3AccessError(`${text}: "${bucket}" is not an S3 bucket name; write s3://<bucket>/<prefix>.`, 'InvalidBucketName') // prettier-ignore
  }
  return { bucket, prefix }
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`
}

export function createS3Client(options: S3Options = {}): S3Client {
  // The SDK's notice about future Node versions is multi-line text on standard error, between the JSON lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  return new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // A bucket in another region than the configured one is followed, not an error.
    followRegionRedirects: true,
    // Throttling (503 SlowDown), 5xx answers and connection failures are retried by the SDK, backing off.
    maxAttempts: 8
  })
}

/**
 * The objects under `s3://bucket/prefix`, in key order (UTF-8 bytes, as S3 lists). A prefix that does not end in
 * `/` is a folder (`prefix/…`, so that `…/source-1` does not take `…/source-10`), or else the one object of that key.
 * Folder markers (`…/`) and hidden objects (a name starting with `.`) are left out, as hidden files are.
 */
export async function listS3Objects(client: S3Client, url: string): Promise<S3Object[]> {
  const { bucket, prefix } = parseS3Url(url)
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
  let objects: S3Object[]
  try {
    objects = await listPrefix(client, bucket, folder)
    if (objects.length === 0 && folder !== prefix) objects = await headObject(client, bucket, prefix)
  } catch (error) {
    throw accessError(error, `listing ${url}`, bucket)
  }
  if (objects.length === 0) throw new S3AccessError(`Nothing to read at ${url}: no object has that key or prefix.`, 'NoSuchKey') // prettier-ignore
  return objects
    .filter((object) => !object.key.endsWith('/') && !baseName(object.key).startsWith('.'))
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1)
}

async function listPrefix(client: S3Client, bucket: string, prefix: string): Promise<S3Object[]> {
  const objects: S3Object[] = []
  let token: string | undefined
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token })
    )
    for (const entry of page.Contents ?? []) {
      if (entry.Key !== undefined) {
        objects.push({ bucket, key: entry.Key, etag: entry.ETag ?? '', size: entry.Size ?? 0 })
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return objects
}

async function headObject(client: S3Client, bucket: string, key: string): Promise<S3Object[]> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return [{ bucket, key, etag: head.ETag ?? '', size: head.ContentLength ?? 0 }]
  } catch (error) {
    if (statusOf(error) === 404) return []
    throw error
  }
}

/**
 * The bytes of one object, streamed. A body cut short (reset, closed early, silent for `idleTimeoutMs`) is read on
 * from where it stopped (a Range request that must answer the same ETag); after `readRetries` such failures in a row,
 * or for any S3 error (the SDK has retried what it retries), an S3AccessError. Returning early stops the download.
 */
export async function* readS3Object(
  client: S3Client,
  object: S3Object,
  options: S3Options = {},
  signal?: AbortSignal
): AsyncGenerator<Buffer> {
  const url = s3Url(object.bucket, object.key)
  const retries = options.readRetries ?? 5
  let offset = 0
  let failures = 0
  for (;;) {
    if ((offset >= object.size && offset > 0) || signal?.aborted) return
    const body = await getBody(client, object, offset, url)
    const stop = () => body.destroy()
    signal?.addEventListener('abort', stop)
    try {
      for await (const chunk of withIdleTimeout(body, options.idleTimeoutMs ?? 60_000)) {
        offset += chunk.length
        failures = 0
        yield chunk
      }
      if (offset >= object.size) return
      throw new Error(`the body ended after ${offset} of ${object.size} bytes`)
    } catch (error) {
      if (signal?.aborted) return
      if (error instanceof S3AccessError) throw error
      if (++failures > retries) {
        throw new S3AccessError(`Reading ${url} failed ${failures} times in a row (last: ${oneLine(error)}).`, codeOf(error)) // prettier-ignore
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** failures)))
    } finally {
      signal?.removeEventListener('abort', stop)
      body.destroy()
    }
  }
}

/** readS3Object as a stream of bytes that `destroy()` stops at once, even in the middle of a body. */
export function s3ObjectStream(
  client: S3Client,
  object: S3Object,
  options: S3Options = {}
): AsyncIterable<Buffer> & { destroy(): void } {
  const controller = new AbortController()
  const chunks = readS3Object(client, object, options, controller.signal)
  return {
    [Symbol.asyncIterator]: () => chunks,
    destroy: () => controller.abort()
  }
}

async function getBody(client: S3Client, object: S3Object, offset: number, url: string): Promise<Readable> {
  let response
  try {
    response = await client.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
        ...(object.etag ? { IfMatch: object.etag } : {})
      })
    )
  } catch (error) {
    throw accessError(error, `reading ${url}`, object.bucket)
  }
  const body = response.Body as Readable
  if (object.etag && response.ETag && response.ETag !== object.etag) {
    body.destroy()
    throw new S3AccessError(`${url} changed while it was read (ETag ${response.ETag}, listed as ${object.etag}); run again to read it as it is now.`, 'PreconditionFailed') // prettier-ignore
  }
  return body
}

/** The chunks of `body`; an error when none comes for `ms`. */
async function* withIdleTimeout(body: Readable, ms: number): AsyncGenerator<Buffer> {
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => body.destroy(new Error(`no data for ${ms / 1000} s`)), ms)
  }
  arm()
  try {
    for await (const chunk of body) {
      arm()
      yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    }
  } finally {
    clearTimeout(timer)
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode
}

function codeOf(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown }
  if (typeof code === 'string') return code
  return typeof name === 'string' && name !== 'Error' ? name : 'S3Error'
}

function oneLine(error: unknown): string {
  const message = (error as Error)?.message ?? String(error)
  return message.split('\n')[0].trim()
}

const IAM_HINT = 'the credentials need s3:ListBucket on the bucket and s3:GetObject on its objects'

/** One line saying what went wrong with S3 and what to do, for a person; the SDK's own text only when unknown. */
export function accessError(error: unknown, what: string, bucket: string): S3AccessError {
  if (error instanceof S3AccessError) return error
  const name = codeOf(error)
  const status = statusOf(error)
  const tag = `${status ?? ''} ${name}`.trim()
  let message: string
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(oneLine(error))) {
    message = `No AWS credentials for ${what}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with a role (${IAM_HINT}).` // prettier-ignore
  } else if (/Region is missing|Region not accepted/i.test(oneLine(error))) {
    message = `No AWS region for ${what}: set AWS_REGION (or a profile's region).`
  } else if (name === 'NoSuchBucket') {
    message = `S3 has no bucket "${bucket}" (${what}, ${tag}).`
  } else if (name === 'PreconditionFailed' || status === 412) {
    message = `S3 object changed after the listing (${what}, ${tag}); run again to read it as it is now.`
  } else if (name === 'NoSuchKey' || status === 404) {
    message = `S3 has no such object any more (${what}, ${tag}): it was deleted after the listing; run again to list anew.` // prettier-ignore
  } else if (
    status === 403 ||
    /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken/.test(name)
  ) {
    // prettier-ignore
    message = `S3 refused ${what} (${tag}): ${IAM_HINT}, and a valid key (the standard AWS chain: AWS_PROFILE, AWS_ACCESS_KEY_ID, a role).` // prettier-ignore
  } else if (status === 503 || status === 429 || /SlowDown|Throttl/i.test(name)) {
    message = `S3 kept throttling ${what} (${tag}) after the SDK's retries; run again later (with --resume), or with fewer shards at once.` // prettier-ignore
  } else if (status === undefined) {
    message = `Cannot reach S3 for ${what}: ${oneLine(error)} (${name}).`
  } else {
    message = `S3 failed ${what} (${tag}): ${oneLine(error)}`
  }
  return new S3AccessError(message, name)
}
