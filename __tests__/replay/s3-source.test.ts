import { randomBytes } from 'crypto'
import { createS3Client, listS3Objects, parseS3Url, readS3Object, S3AccessError } from '../../src/replay/s3-source'
import type { S3Object } from '../../src/replay/s3-source'
import { s3Environment, startS3, startS3Proxy } from '../../test/s3-stand-in'
import type { S3Proxy, S3StandIn } from '../../test/s3-stand-in'

// The S3 module against a real S3 protocol server (s3rver on 127.0.0.1) behind a proxy that can cut bodies: listing
// in key order with folder semantics and pagination, and streaming an object on from where a cut left it.

jest.setTimeout(60_000)

const BUCKET = 'listing-tests'
let s3: S3StandIn
let proxy: S3Proxy
const savedEnv = { ...process.env }

beforeAll(async () => {
  Object.assign(process.env, s3Environment())
  s3 = await startS3()
  await s3.createBucket(BUCKET)
  proxy = await startS3Proxy(s3.port)
})

afterAll(async () => {
  await proxy.close()
  await s3.close()
  process.env = savedEnv
})

beforeEach(() => {
  proxy.fault = () => undefined
  proxy.requests.length = 0
})

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts)
}

describe('s3:// inputs', () => {
  it('parses s3://bucket/prefix and names a bucket that cannot be one', () => {
    expect(parseS3Url('s3://my-bucket/segment-logs/abc/')).toEqual({ bucket: 'my-bucket', prefix: 'segment-logs/abc/' })
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' })
    expect(() => parseS3Url('s3://My_Bucket/x')).toThrow('s3://My_Bucket/x: "My_Bucket" is not an S3 bucket name; write s3://<bucket>/<prefix>.') // prettier-ignore
  })

  it('lists in key order: a prefix is a folder (source-1 is not source-10), else the one object of that key', async () => {
    const keys = ['logs/source-1/2/b.gz', 'logs/source-1/1/a.gz', 'logs/source-1/1/.hidden', 'logs/source-1/1/', 'logs/source-10/1/a.gz', 'logs/source-1/10/c.gz'] // prettier-ignore
    for (const key of keys) await s3.put(BUCKET, key, key.endsWith('/') ? '' : `{"key":"${key}"}\n`)
    const client = createS3Client({ endpoint: proxy.endpoint })
    const listed = await listS3Objects(client, `s3://${BUCKET}/logs/source-1`)
    expect(listed.map((object) => object.key)).toEqual(['logs/source-1/1/a.gz', 'logs/source-1/10/c.gz', 'logs/source-1/2/b.gz']) // prettier-ignore
    expect(listed[0]).toEqual({ bucket: BUCKET, key: 'logs/source-1/1/a.gz', size: 31, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) }) // prettier-ignore
    expect((await listS3Objects(client, `s3://${BUCKET}/logs/source-1/2/b.gz`)).map((object) => object.key)).toEqual(['logs/source-1/2/b.gz']) // prettier-ignore
    expect((await listS3Objects(client, `s3://${BUCKET}/logs/source-1/`)).length).toBe(3)
    client.destroy()
  })

  it('follows the listing over pages (more than 1000 keys)', async () => {
    const keys = Array.from({ length: 1003 }, (_, i) => `many/${String(i).padStart(4, '0')}.json`)
    for (let i = 0; i < keys.length; i += 40) await Promise.all(keys.slice(i, i + 40).map((key) => s3.put(BUCKET, key, '{}\n'))) // prettier-ignore
    const client = createS3Client({ endpoint: proxy.endpoint })
    expect((await listS3Objects(client, `s3://${BUCKET}/many`)).map((object) => object.key)).toEqual(keys)
    expect(proxy.requests.filter((request) => request.url.includes('list-type')).length).toBe(2)
    client.destroy()
  })

  it('reads a cut body on from the byte it stopped at (Range), and refuses an object that changed meanwhile', async () => {
    const body = randomBytes(300_000)
    await s3.put(BUCKET, 'cut/object.bin', body)
    const client = createS3Client({ endpoint: proxy.endpoint })
    const [object] = await listS3Objects(client, `s3://${BUCKET}/cut/object.bin`)
    let readSoFar = 0
    let release = () => undefined as void
    let cuts = 0
    proxy.fault = (request) =>
      request.url.includes('cut/object.bin') && cuts++ === 0
        ? { cutAfter: 100_000, release: new Promise<void>((resolve) => (release = resolve)) }
        : undefined
    const chunks: Buffer[] = []
    for await (const chunk of readS3Object(client, object)) {
      chunks.push(chunk)
      readSoFar += chunk.length
      // Cut once the reader holds every byte the proxy let through.
      if (readSoFar === 100_000) release()
    }
    expect(Buffer.compare(Buffer.concat(chunks), body)).toBe(0)
    const gets = proxy.requests.filter((request) => request.method === 'GET' && !request.url.includes('list-type'))
    expect(gets.map((request) => request.range)).toEqual([undefined, 'bytes=100000-'])

    // Changed between the first bytes and the rest: its ETag no longer matches the listing's.
    cuts = 0
    proxy.fault = (request) =>
      request.url.includes('cut/object.bin') && cuts++ === 0
        ? { cutAfter: 1000, release: new Promise<void>((resolve) => (release = resolve)) }
        : undefined
    let seen = 0
    const reading = collect(
      (async function* () {
        for await (const chunk of readS3Object(client, object)) {
          seen += chunk.length
          if (seen === 1000) {
            await s3.put(BUCKET, 'cut/object.bin', randomBytes(300_000))
            release()
          }
          yield chunk
        }
      })()
    )
    await expect(reading).rejects.toBeInstanceOf(S3AccessError)
    await expect(reading).rejects.toThrow(
      new RegExp(`^s3://${BUCKET}/cut/object.bin changed while it was read \\(ETag "[0-9a-f]+", listed as ${object.etag}\\); run again to read it as it is now.$`) // prettier-ignore
    )
    client.destroy()
  })

  it('gives up on an object whose body is cut every time, after the retries, with one line', async () => {
    await s3.put(BUCKET, 'always-cut/object.bin', randomBytes(50_000))
    const client = createS3Client({ endpoint: proxy.endpoint })
    const [object]: S3Object[] = await listS3Objects(client, `s3://${BUCKET}/always-cut/object.bin`)
    proxy.fault = (request) => (request.method === 'GET' ? { cutAfter: 0 } : undefined)
    await expect(collect(readS3Object(client, object, { readRetries: 2 }))).rejects.toThrow(
      /^Reading s3:\/\/listing-tests\/always-cut\/object\.bin failed 3 times in a row \(last: .+\)\.$/
    )
    client.destroy()
  })
})
