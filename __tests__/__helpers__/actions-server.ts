import { createActionsServer } from '../../src/server/server'
import type { ActionsServer, ActionsServerOptions } from '../../src/server/server'
import type { LogEntry } from '../../src/server/log'

/** A server listening on an ephemeral loopback port, with the log lines it wrote. */
export interface RunningServer {
  server: ActionsServer
  url: string
  logs: LogEntry[]
  /** POSTs `body` (serialized as JSON unless it is a string or Buffer) and returns status, headers and parsed body. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>
  /** POSTs `text` as JSON in a stream, without a Content-Length (chunked), and returns as `post` does. */
  postStreamed(path: string, text: string): Promise<Answer>
  get(path: string, headers?: Record<string, string>): Promise<Answer>
  /**
   * Resolves once the server has logged `count` event outcomes (delivered, skipped, failed, dropped) since the logs were
   * last emptied, with those lines: /v1 answers before delivery, so tests wait for the log, not for the answer.
   */
  outcomes(count: number): Promise<LogEntry[]>
  /** Resolves with the first log line (since the logs were last emptied) that `matches`, once there is one. */
  logged(matches: (entry: LogEntry) => boolean): Promise<LogEntry>
}

/** The log lines that end an event's story. */
export const OUTCOME_MESSAGES = ['event', 'event skipped', 'event failed', 'event dropped', 'event not delivered']

export const isOutcome = (entry: LogEntry) => OUTCOME_MESSAGES.includes(entry.msg)

export interface Answer {
  status: number
  headers: Headers
  body: any
}

export async function startServer<S>(options: ActionsServerOptions<S> = {}): Promise<RunningServer> {
  const logs: LogEntry[] = []
  const waiters = new Set<() => void>()
  const server = createActionsServer<S>({
    log: (entry) => {
      logs.push(entry)
      for (const check of [...waiters]) check()
    },
    ...options
  })
  const url = await server.listen(0)
  const call = async (path: string, init: RequestInit): Promise<Answer> => {
    const response = await fetch(url + path, init)
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, headers: response.headers, body }
  }
  return {
    server,
    url,
    logs,
    post: (path, body, headers = {}) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)
      }),
    postStreamed: (path, text) =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(text))
            controller.close()
          }
        }),
        duplex: 'half'
      } as RequestInit),
    get: (path, headers = {}) => call(path, { method: 'GET', headers }),
    outcomes: (count) =>
      waitFor(() => {
        const done = logs.filter(isOutcome)
        return done.length >= count ? done : undefined
      }),
    logged: (matches) => waitFor(() => logs.find(matches))
  }

  /** Resolves with what `check` finds, checking now and after each log line. */
  function waitFor<T>(check: () => T | undefined): Promise<T> {
    return new Promise((resolve) => {
      const run = () => {
        const found = check()
        if (found === undefined) return
        waiters.delete(run)
        resolve(found)
      }
      waiters.add(run)
      run()
    })
  }
}

/**
 * One server for the tests of the enclosing `describe` (or file): started before them, closed after them, its logs
 * emptied before each. The object is filled in once the server listens.
 */
export function serverForSuite<S>(options: ActionsServerOptions<S> = {}): RunningServer {
  const running = {} as RunningServer
  beforeAll(async () => {
    Object.assign(running, await startServer(options))
  })
  afterAll(async () => {
    await running.server.close()
  })
  beforeEach(() => {
    running.logs.length = 0
  })
  return running
}

/** The query of a Woopra URL as an object. */
export function queryOf(url: unknown): Record<string, string> {
  return Object.fromEntries(new URL(String(url)).searchParams)
}

export const WOOPRA = 'https://www.woopra.com'
export const SETTINGS = { project: 'example.com' }

/** Retries within milliseconds, so that tests of failures do not wait for the real backoff. */
export const QUICK_RETRIES = { backoff: { baseMs: 1, maxMs: 5 } }

/** A Segment track event with everything pinned. */
export function trackEvent(overrides: Record<string, unknown> = {}) {
  return {
    type: 'track',
    event: 'Signed Up',
    userId: 'user-1',
    anonymousId: 'anon-1',
    messageId: 'message-1',
    timestamp: '2024-01-02T03:04:05.000Z',
    properties: { plan: 'pro', email: 'jane@example.com' },
    context: { ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (Test)', locale: 'en-US' },
    ...overrides
  }
}

/** The Woopra query `trackEvent()` produces through the default mappings. */
export const TRACK_EVENT_QUERY = {
  project: 'example.com',
  event: 'Signed Up',
  cookie: 'anon-1',
  cv_id: 'user-1',
  cv_email: 'jane@example.com',
  timestamp: '1704164645000',
  timeout: '60000',
  ip: '203.0.113.9',
  language: 'en-US',
  ce_plan: 'pro',
  ce_email: 'jane@example.com'
}
