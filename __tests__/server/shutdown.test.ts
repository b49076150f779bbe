import nock from 'nock'
import { spawn } from 'child_process'
import fs from 'fs'
import http from 'http'
import os from 'os'
import path from 'path'
import readline from 'readline'
import { parseCli, UsageError } from '../../src/server/cli'
import { SETTINGS, startServer, trackEvent, WOOPRA } from '../__helpers__/actions-server'

// Graceful shutdown in process (close()) and from the command line (SIGINT, SIGTERM, through npm start too), the
// background delivery's bounds, and the command line's options.

jest.setTimeout(60000)

/** A Woopra stand-in that holds every answer until `release()`, and counts what reached it. */
function heldWoopra() {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  const seen: string[] = []
  const arrived: (() => void)[] = []
  nock(WOOPRA)
    .persist()
    .get('/track/ce')
    .query(true)
    .reply(async (uri) => {
      seen.push(new URL(uri, WOOPRA).searchParams.get('event') ?? '')
      arrived.shift()?.()
      await gate
      return [200, '']
    })
  /** Resolves when the next request reaches the stand-in. */
  const nextArrival = () => new Promise<void>((resolve) => arrived.push(resolve))
  return { seen, release, nextArrival }
}

describe('close()', () => {
  it('lets a request in flight finish, then refuses connections', async () => {
    const woopra = heldWoopra()
    const running = await startServer()
    const arrival = woopra.nextArrival()
    const inFlight = running.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })
    await arrival
    expect(running.server.inFlight()).toBe(1)
    let closed = false
    const closing = running.server.close().then(() => {
      closed = true
    })
    await expect(fetch(`${running.url}/manifest`)).rejects.toThrow()
    expect(closed).toBe(false)
    woopra.release()

    const answer = await inFlight
    expect(answer.status).toBe(200)
    expect(answer.body[0].response.statusCode).toBe(200)
    expect(answer.headers.get('connection')).toBe('close')
    await closing
    expect(closed).toBe(true)
  })

  it('resolves at once when idle, and twice over', async () => {
    const running = await startServer()
    expect((await running.get('/manifest')).status).toBe(200)
    expect(await running.server.close()).toEqual({ undelivered: 0 })
    expect(await running.server.close()).toEqual({ undelivered: 0 })
    await expect(fetch(`${running.url}/manifest`)).rejects.toThrow()
  })

  it('delivers every accepted /v1 event before it resolves', async () => {
    const woopra = heldWoopra()
    const running = await startServer({ settings: SETTINGS, delivery: { concurrency: 1 } })
    const batch = ['A', 'B', 'C'].map((event, index) => trackEvent({ event, messageId: `m-${index}` }))
    const arrival = woopra.nextArrival()
    expect((await running.post('/v1/batch', { batch })).body).toEqual({ success: true })
    await arrival

    let closed = false
    const closing = running.server.close().then((result) => {
      closed = true
      return result
    })
    await expect(fetch(`${running.url}/manifest`)).rejects.toThrow()
    expect(closed).toBe(false)
    woopra.release()

    expect(await closing).toEqual({ undelivered: 0 })
    expect(woopra.seen).toEqual(['A', 'B', 'C'])
    expect(running.logs.filter((entry) => entry.msg === 'event').map((entry) => entry.messageId)).toEqual([
      'm-0',
      'm-1',
      'm-2'
    ])
  })

  it('waits no longer than the shutdown timeout, and logs each event left undelivered (and dead-letters it)', async () => {
    const woopra = heldWoopra()
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'woopra-dead-')), 'dead.jsonl')
    const running = await startServer({
      settings: SETTINGS,
      shutdownTimeoutMs: 200,
      delivery: { concurrency: 1, deadLetterFile: file }
    })
    const arrival = woopra.nextArrival()
    await running.post('/v1/batch', {
      batch: [trackEvent(), trackEvent({ messageId: 'message-2', type: 'identify', event: undefined })]
    })
    await arrival

    expect(await running.server.close()).toEqual({ undelivered: 2 })
    const undelivered = running.logs.filter((entry) => entry.msg === 'event not delivered')
    expect(undelivered).toEqual([
      expect.objectContaining({ level: 'warn', route: '/v1/batch', type: 'track', messageId: 'message-1' }),
      expect.objectContaining({ level: 'warn', route: '/v1/batch', type: 'identify', messageId: 'message-2' })
    ])
    expect(JSON.stringify(undelivered)).not.toMatch(/user-1|jane@example\.com|Signed Up/)
    const letters = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(letters.map((letter) => [letter.errorClass, letter.event.messageId])).toEqual([
      ['ServerStopped', 'message-1'],
      ['ServerStopped', 'message-2']
    ])
    woopra.release()
  })
})

describe('the delivery queue', () => {
  it('refuses a request whose events do not all fit with 503 and Retry-After, taking none of them', async () => {
    const woopra = heldWoopra()
    const running = await startServer({ settings: SETTINGS, delivery: { concurrency: 1, maxQueued: 2 } })
    try {
      const three = ['A', 'B', 'C'].map((event, index) => trackEvent({ event, messageId: `m-${index}` }))
      const refused = await running.post('/v1/batch', { batch: three })
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(refused.body).toEqual({
        success: false,
        error: 'The server has 0 events (0.0 MB) waiting for Woopra and holds at most 2 events or 64.0 MB: retry later.'
      })
      expect(running.server.pendingEvents()).toBe(0)

      expect((await running.post('/v1/batch', { batch: three.slice(0, 2) })).status).toBe(200)
      const full = await running.post('/v1/track', trackEvent({ event: 'D' }))
      expect(full.status).toBe(503)
      expect(running.server.pendingEvents()).toBe(2)

      woopra.release()
      await running.outcomes(2)
      expect(woopra.seen).toEqual(['A', 'B'])
      expect((await running.post('/v1/track', trackEvent({ event: 'D' }))).status).toBe(200)
      await running.outcomes(3)
    } finally {
      woopra.release()
      await running.server.close()
    }
  })

  it('bounds what waits by its size too: 503 when the JSON of the events accepted would pass maxQueuedBytes', async () => {
    const woopra = heldWoopra()
    // A trackEvent() is about 330 bytes of JSON: one fits in 500 bytes, two do not.
    const running = await startServer({ settings: SETTINGS, delivery: { concurrency: 1, maxQueuedBytes: 500 } })
    try {
      const named = (event: string) => trackEvent({ event, messageId: event })
      expect((await running.post('/v1/track', named('A'))).status).toBe(200)
      const refused = await running.post('/v1/track', named('B'))
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      expect(refused.body.error).toMatch(/^The server has 1 events \(0\.0 MB\) waiting for Woopra and holds at most/)
      woopra.release()
      await running.outcomes(1)
      expect((await running.post('/v1/track', named('B'))).status).toBe(200)
      await running.outcomes(2)
      expect(woopra.seen).toEqual(['A', 'B'])
    } finally {
      woopra.release()
      await running.server.close()
    }
  })

  it('appends each event that cannot be delivered to the dead-letter file, with its failure', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'woopra-dead-')), 'dead.jsonl')
    const running = await startServer({ settings: SETTINGS, delivery: { deadLetterFile: file } })
    try {
      nock(WOOPRA).get('/track/ce').query(true).reply(400)
      await running.post('/v1/track', trackEvent())
      await running.outcomes(1)
      const letters = fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      expect(letters).toEqual([
        {
          time: expect.any(String),
          route: '/v1/track',
          errorClass: expect.any(String),
          status: 400,
          message: expect.stringMatching(/^Woopra answered 400 Bad Request to \/track\/ce/),
          attempts: 1,
          event: expect.objectContaining({
            type: 'track',
            event: 'Signed Up',
            userId: 'user-1',
            messageId: 'message-1'
          })
        }
      ])
    } finally {
      await running.server.close()
    }
  })
})

describe('parseCli', () => {
  it('reads the environment, with flags winning', () => {
    const env = {
      PORT: '4000',
      WOOPRA_PROJECT: 'env.example',
      WOOPRA_WRITE_KEY: 'wk',
      WOOPRA_DRY_RUN: '1',
      WOOPRA_DRAIN_TIMEOUT: '2.5',
      WOOPRA_DEAD_LETTERS: 'env.jsonl'
    }
    expect(parseCli([], env)).toEqual({
      port: 4000,
      project: 'env.example',
      writeKey: 'wk',
      dryRun: true,
      logPayloads: false,
      drainTimeoutMs: 2500,
      deadLetterFile: 'env.jsonl'
    })
    const flags = ['--port', '0', '--project', 'flag.example', '--log-payloads', '--drain-timeout', '0']
    expect(parseCli([...flags, '--dead-letters', 'dead.jsonl'], env)).toEqual({
      port: 0,
      project: 'flag.example',
      writeKey: 'wk',
      dryRun: true,
      logPayloads: true,
      drainTimeoutMs: 0,
      deadLetterFile: 'dead.jsonl'
    })
    expect(parseCli([], {})).toEqual({ port: 3000, dryRun: false, logPayloads: false, drainTimeoutMs: 10000 })
    expect(parseCli(['--help'], {})).toBeUndefined()
    expect(parseCli(['-h'], {})).toBeUndefined()
  })

  it('takes -p for the port, as the actions CLI does', () => {
    expect(parseCli(['-p', '4001'], {})?.port).toBe(4001)
    expect(parseCli(['-p4002'], { PORT: '5000' })?.port).toBe(4002)
  })

  it('refuses an unknown flag, a bad port or a bad drain timeout', () => {
    expect(() => parseCli(['--dryrun'], {})).toThrow(UsageError)
    expect(() => parseCli([], { PORT: 'http' })).toThrow('The port must be a whole number from 0 to 65535, not "http".')
    expect(() => parseCli(['--port', '70000'], {})).toThrow(UsageError)
    expect(() => parseCli(['--drain-timeout', 'soon'], {})).toThrow(
      'The drain timeout must be a number of seconds from 0 to 3600, not "soon".'
    )
  })
})

describe('npm start', () => {
  const root = path.join(__dirname, '..', '..')

  /** Starts the command line on a free port and resolves once it listens, with its base URL and log lines. */
  function startCli(
    args: string[],
    env: Record<string, string>,
    through: 'node' | 'npm' = 'node',
    preload: string[] = []
  ) {
    const [command, commandArgs] =
      through === 'npm'
        ? ['npm', ['start', '--silent', '--', ...args]]
        : [process.execPath, ['-r', 'ts-node/register/transpile-only', ...preload, 'src/server/cli.ts', ...args]]
    const child = spawn(command, commandArgs, {
      cwd: root,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const lines: any[] = []
    let onLine: (entry: any) => void = () => undefined
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const listening = new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.startsWith('{')) return // npm's own lines
        const entry = JSON.parse(line)
        lines.push(entry)
        onLine(entry)
        if (entry.msg === 'listening') resolve(String(entry.url))
      })
      void exited.then((code) => reject(new Error(`exited with ${code}`)))
    })
    /** Resolves at the first log line that `matches`. */
    const logged = (matches: (entry: any) => boolean) =>
      new Promise<void>((resolve) => {
        onLine = (entry) => {
          if (matches(entry)) resolve()
        }
      })
    return { child, lines, listening, exited, logged }
  }

  /** Resolves once no process has this pid (polled: the process is not ours to wait for). */
  async function gone(pid: number): Promise<void> {
    for (;;) {
      try {
        process.kill(pid, 0)
      } catch {
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  // npm runs a script through `sh -c`, and on SIGTERM or SIGINT passes the signal to that shell only: the script
  // `exec`s node, so that the shell's process is the server's. Should npm be killed outright, the server sees its
  // parent change and stops.
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'npm start: %s to the npm process stops the server, and no node process is left',
    async (signal) => {
      const cli = startCli(['--dry-run'], { WOOPRA_PROJECT: 'example.com' }, 'npm')
      const url = await cli.listening
      const pid = Number(cli.lines[0].pid)
      expect(pid).toBeGreaterThan(0)
      expect(pid).not.toBe(cli.child.pid)
      const stopped = cli.logged((entry) => entry.msg === 'stopped')

      cli.child.kill(signal)
      await cli.exited
      await stopped
      await gone(pid)

      await expect(fetch(`${url}/manifest`)).rejects.toThrow()
      expect(cli.lines.find((entry) => entry.msg === 'stopping')).toMatchObject({
        signal: signal === 'SIGKILL' ? 'parent exited' : 'SIGTERM'
      })
    },
    180000
  )

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops on %s after answering the request in flight',
    async (signal) => {
      const cli = startCli(['--dry-run'], { WOOPRA_PROJECT: 'example.com' })
      const url = await cli.listening
      expect(cli.lines[0]).toMatchObject({ msg: 'listening', dryRun: true, project: 'example.com' })

      // The request is in flight while its body arrives: its headers are sent (with `Expect: 100-continue`, Node's
      // server answers `100 Continue` once it has them), the signal given, the body sent once the server says it is
      // stopping.
      const body = JSON.stringify({ batch: [trackEvent(), trackEvent({ messageId: 'message-2' })] })
      const stopping = cli.logged((entry) => entry.msg === 'stopping')
      const { port } = new URL(url)
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/batch',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          expect: '100-continue'
        }
      })
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        })
        req.on('error', reject)
      })
      req.flushHeaders()
      await new Promise<void>((resolve) => req.once('continue', resolve))
      cli.child.kill(signal)
      await stopping
      req.end(body)

      const { status, text } = await answer
      expect(status).toBe(200)
      expect(JSON.parse(text)).toEqual({ success: true })
      expect(await cli.exited).toBe(0)
      expect(cli.lines.map((entry) => entry.msg)).toEqual([
        'listening',
        'stopping',
        'dry run: not sent',
        'event',
        'dry run: not sent',
        'event',
        'stopped'
      ])
      expect(cli.lines[1]).toMatchObject({ signal, inFlight: 1 })
      expect(cli.lines[6]).toMatchObject({ msg: 'stopped', undelivered: 0 })
    },
    180000
  )

  it('exits at once, with exit code 1, on a second signal a second or more after the first', async () => {
    const cli = startCli(['--dry-run', '--drain-timeout', '600'], { WOOPRA_PROJECT: 'example.com' })
    const url = await cli.listening
    // A request whose body never comes keeps the stop waiting (up to the drain timeout).
    const { port } = new URL(url)
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/track',
      headers: { 'content-type': 'application/json', 'content-length': '100', expect: '100-continue' }
    })
    req.on('error', () => undefined)
    req.flushHeaders()
    await new Promise<void>((resolve) => req.once('continue', resolve))
    const stopping = cli.logged((entry) => entry.msg === 'stopping')
    cli.child.kill('SIGTERM')
    await stopping
    // Signals closer together are one (Ctrl+C reaches the server from the terminal and through npm): this one is not.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    cli.child.kill('SIGTERM')

    expect(await cli.exited).toBe(1)
    req.destroy()
    expect(cli.lines.map((entry) => entry.msg)).toEqual([
      'listening',
      'stopping',
      'stopped before accepted events were delivered'
    ])
    expect(cli.lines[1]).toMatchObject({ signal: 'SIGTERM', inFlight: 1 })
  }, 180000)

  it('stops gracefully, with exit code 1, on an error nothing caught, logging it without URL queries', async () => {
    const preload = ['-r', './__tests__/__helpers__/throw-after-listening.ts']
    const cli = startCli(['--dry-run'], { WOOPRA_PROJECT: 'example.com' }, 'node', preload)
    await cli.listening
    expect(await cli.exited).toBe(1)
    expect(cli.lines.map((entry) => entry.msg)).toEqual(['listening', 'crashed', 'stopping', 'stopped'])
    expect(cli.lines[1]).toMatchObject({
      level: 'error',
      kind: 'uncaughtException',
      error: 'boom at https://www.woopra.com/track/ce?…'
    })
    expect(cli.lines[2]).toMatchObject({ signal: 'uncaughtException' })
  }, 180000)

  it('refuses to start with a project Woopra cannot have', async () => {
    const cli = startCli([], { WOOPRA_PROJECT: 'https://example.com' })
    await expect(cli.listening).rejects.toThrow('exited with 2')
    expect(cli.lines[0]).toMatchObject({ level: 'error', msg: 'invalid project' })
  }, 180000)
})
