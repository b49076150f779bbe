import { spawn } from 'child_process'
import { mkdtempSync, rmSync } from 'fs'
import http from 'http'
import type { AddressInfo } from 'net'
import os from 'os'
import path from 'path'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'

// A real S3 protocol server on 127.0.0.1 (s3rver in a child process, backed by a temporary folder), and a proxy in front of it that can
// add latency or misbehave as S3 does at times (an error status, a body cut in the middle), for the replay's tests
// and bench. s3rver knows the access key S3RVER (secret S3RVER) and answers 403 InvalidAccessKeyId to any other.

export const S3_REGION = 'us-east-1'
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface S3StandIn {
  port: number
  endpoint: string
  client: S3Client
  createBucket(bucket: string): Promise<void>
  put(bucket: string, key: string, body: Buffer | string): Promise<void>
  close(): Promise<void>
}

export async function startS3(): Promise<S3StandIn> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const directory = mkdtempSync(path.join(os.tmpdir(), 's3rver-'))
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-r', require.resolve('ts-node/register/transpile-only'), path.join(__dirname, 's3rver-process.ts'), directory], // prettier-ignore
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } }
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { port: number }).port)
    })
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before it listened`)))
  })
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({ endpoint, forcePathStyle: true, region: S3_REGION, credentials: S3_CREDENTIALS })
  return {
    port,
    endpoint,
    client,
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }))
    },
    put: async (bucket, key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }))
    },
    close: async () => {
      client.destroy()
      child.kill()
      await exited
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

/** The environment a replay child needs to reach the stand-in with the standard credential chain. */
export function s3Environment(credentials = S3_CREDENTIALS): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: S3_REGION,
    // No shared config or instance metadata lookups from the tests' machine.
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true'
  }
}

export interface ProxiedRequest {
  method: string
  /** Path and query, e.g. /bucket/segment-logs/a.gz or /bucket?list-type=2&prefix=… */
  url: string
  range?: string
}

/**
 * What the proxy does with a request: pass it on, answer an S3 error itself, or cut the body after `cutAfter` bytes
 * (once `release` resolves, when given, so that a test can cut only after its reader has had those bytes).
 */
export type ProxyFault = { status: number; code: string } | { cutAfter: number; release?: Promise<void> } | undefined

export interface S3Proxy {
  port: number
  endpoint: string
  requests: ProxiedRequest[]
  /** Latency added before each request is passed on. */
  delayMs: number
  fault: (request: ProxiedRequest) => ProxyFault
  close(): Promise<void>
}

/** A proxy on 127.0.0.1 in front of `targetPort`. */
export async function startS3Proxy(targetPort: number): Promise<S3Proxy> {
  const proxy: S3Proxy = {
    port: 0,
    endpoint: '',
    requests: [],
    delayMs: 0,
    fault: () => undefined,
    close: async () => undefined
  }
  const server = http.createServer((req, res) => {
    const request: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '', range: req.headers.range }
    proxy.requests.push(request)
    const fault = proxy.fault(request)
    const pass = () => {
      if (fault && 'status' in fault) {
        req.resume()
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.code} (from the test proxy)</Message></Error>` // prettier-ignore
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
        res.end(body)
        return
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          if (!fault) {
            answer.pipe(res)
            return
          }
          let sent = 0
          answer.on('data', (chunk: Buffer) => {
            const part = chunk.subarray(0, fault.cutAfter - sent)
            sent += part.length
            res.write(part)
            if (sent >= fault.cutAfter) {
              answer.destroy()
              void (fault.release ?? Promise.resolve()).then(() => res.socket?.destroy())
            }
          })
        }
      )
      upstream.on('error', () => res.socket?.destroy())
      req.pipe(upstream)
    }
    if (proxy.delayMs > 0) setTimeout(pass, proxy.delayMs)
    else pass()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.port = (server.address() as AddressInfo).port
  proxy.endpoint = `http://127.0.0.1:${proxy.port}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}
