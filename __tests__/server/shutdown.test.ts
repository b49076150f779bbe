import nock from 'nock'
import { spawn } from 'child_process'
import path from 'path'
import readline from 'readline'
import { parseCli, UsageError } from '../../src/server/cli'
import { SETTINGS, startServer, trackEvent } from '../__helpers__/actions-server'

// Graceful shutdown in process (close()) and from the command line (SIGINT, SIGTERM), and the command line's options.

describe('close()', () => {
  it('lets a request in flight finish, then refuses connections', async () => {
    const running = await startServer()
    nock('https://www.woopra.com').get('/track/ce').query(true).delay(300).reply(200)

    const inFlight = running.post('/trackEvent', { payload: trackEvent(), settings: SETTINGS })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(running.server.inFlight()).toBe(1)
    let closed = false
    const closing = running.server.close().then(() => {
      closed = true
    })

    const answer = await inFlight
    expect(answer.status).toBe(200)
    expect(answer.body[0].response.statusCode).toBe(200)
    expect(answer.headers.get('connection')).toBe('close')
    await closing
    expect(closed).toBe(true)
    await expect(fetch(`${running.url}/manifest`)).rejects.toThrow()
  })

  it('resolves at once when idle, and twice over', async () => {
    const running = await startServer()
    expect((await running.get('/manifest')).status).toBe(200)
    await running.server.close()
    await running.server.close()
    await expect(fetch(`${running.url}/manifest`)).rejects.toThrow()
  })
})

describe('parseCli', () => {
  it('reads the environment, with flags winning', () => {
    const env = { PORT: '4000', WOOPRA_PROJECT: 'env.example', WOOPRA_WRITE_KEY: 'wk', WOOPRA_DRY_RUN: '1' }
    expect(parseCli([], env)).toEqual({
      port: 4000,
      project: 'env.example',
      writeKey: 'wk',
      dryRun: true,
      logPayloads: false
    })
    expect(parseCli(['--port', '0', '--project', 'flag.example', '--log-payloads'], env)).toEqual({
      port: 0,
      project: 'flag.example',
      writeKey: 'wk',
      dryRun: true,
      logPayloads: true
    })
    expect(parseCli([], {})).toEqual({ port: 3000, dryRun: false, logPayloads: false })
    expect(parseCli(['--help'], {})).toBeUndefined()
  })

  it('refuses an unknown flag or a bad port', () => {
    expect(() => parseCli(['--dryrun'], {})).toThrow(UsageError)
    expect(() => parseCli([], { PORT: 'http' })).toThrow('The port must be a whole number from 0 to 65535, not "http".')
    expect(() => parseCli(['--port', '70000'], {})).toThrow(UsageError)
  })
})

describe('npm start', () => {
  const root = path.join(__dirname, '..', '..')

  /** Starts the command line on a free port and resolves once it listens, with its base URL and log lines. */
  function startCli(args: string[], env: Record<string, string>) {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/server/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const lines: any[] = []
    let onLine: (entry: any) => void = () => undefined
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const listening = new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
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

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops on %s after answering the request in flight',
    async (signal) => {
      const cli = startCli(['--dry-run'], { WOOPRA_PROJECT: 'example.com' })
      const url = await cli.listening
      expect(cli.lines[0]).toMatchObject({ msg: 'listening', dryRun: true, project: 'example.com' })

      // The request is in flight while its body arrives: half is sent, the signal given, the rest sent once the server
      // says it is stopping.
      const body = JSON.stringify({ batch: [trackEvent(), trackEvent({ messageId: 'message-2' })] })
      const stopping = cli.logged((entry) => entry.msg === 'stopping')
      const encoder = new TextEncoder()
      const stream = new ReadableStream({
        async start(controller) {
          controller.enqueue(encoder.encode(body.slice(0, 100)))
          await stopping
          controller.enqueue(encoder.encode(body.slice(100)))
          controller.close()
        }
      })
      const inFlight = fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half'
      } as RequestInit)
      // Time for the server to take the request's headers; the `inFlight: 1` below shows it had.
      await new Promise((resolve) => setTimeout(resolve, 300))
      cli.child.kill(signal)

      const answer = await inFlight
      expect(answer.status).toBe(200)
      expect(await answer.json()).toEqual({ success: true })
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
    },
    30000
  )

  it('refuses to start with a project Woopra cannot have', async () => {
    const cli = startCli([], { WOOPRA_PROJECT: 'https://example.com' })
    await expect(cli.listening).rejects.toThrow('exited with 2')
    expect(cli.lines[0]).toMatchObject({ level: 'error', msg: 'invalid project' })
  }, 30000)
})
