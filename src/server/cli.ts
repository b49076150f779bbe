import path from 'path'
import { parseArgs } from 'util'
import { Destination } from '@segment/actions-core'
import woopra from '../destinations/woopra'
import { jsonLineLogger, redactReason } from './log'
import type { Logger } from './log'
import { createActionsServer, DEFAULT_PORT, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './server'
import type { ActionsServer } from './server'
import { appendProblem, unknownVariables } from './startup-checks'

// `npm start`: the actions server for Woopra (Actions), configured from flags and environment variables.

export const USAGE = `Usage: npm start -- [options]

Serves Woopra (Actions) on http://127.0.0.1:<port> with the routes of the actions CLI's \`serve\`
(GET /manifest, POST /authenticate, POST /<action>), Segment's HTTP Tracking API (POST /v1/*) and a
development page (GET /).

Options (each flag overrides its environment variable):
  -p, --port <n>          port to listen on (PORT; default ${DEFAULT_PORT}; 0 picks a free port)
  --project <name>        Woopra project that /v1/* events go to, e.g. example.com (WOOPRA_PROJECT)
  --write-key <key>       refuse /v1/* requests without this write key (WOOPRA_WRITE_KEY)
  --dry-run               send nothing to Woopra: log each request instead and answer it locally (WOOPRA_DRY_RUN=1)
  --log-payloads          put events and full Woopra URLs in the logs; they hold personal data (WOOPRA_LOG_PAYLOADS=1)
  --drain-timeout <s>     on SIGTERM or Ctrl+C, wait this long for accepted events to be delivered
                          (WOOPRA_DRAIN_TIMEOUT; default ${DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000})
  --dead-letters <file>   append each /v1 event that could not be delivered to this file as a JSON line,
                          with the event; it holds personal data (WOOPRA_DEAD_LETTERS); relative to the folder
                          the command was typed in; checked at start (exit status 2 when it cannot be written)
  -h, --help              show this help

A WOOPRA_* variable the server does not know gets a warning naming the nearest one it knows. When Woopra answers
429 (too many requests), every /v1 delivery pauses until its Retry-After (at most 60 s), then the rate ramps back up.`

export interface CliOptions {
  port: number
  project?: string
  writeKey?: string
  dryRun: boolean
  logPayloads: boolean
  drainTimeoutMs: number
  deadLetterFile?: string
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

function isTrue(value: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((value ?? '').trim().toLowerCase())
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new UsageError(`The port must be a whole number from 0 to 65535, not "${value}".`)
  }
  return port
}

function parseSeconds(value: string): number {
  const seconds = Number(value)
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new UsageError(`The drain timeout must be a number of seconds from 0 to 3600, not "${value}".`)
  }
  return Math.round(seconds * 1000)
}

/** The options flags and environment give; `undefined` when help was asked for. Throws UsageError. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions | undefined {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        project: { type: 'string' },
        'write-key': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'log-payloads': { type: 'boolean' },
        'drain-timeout': { type: 'string' },
        'dead-letters': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) return undefined
  const port = values.port ?? nonEmpty(env.PORT)
  const drainTimeout = values['drain-timeout'] ?? nonEmpty(env.WOOPRA_DRAIN_TIMEOUT)
  const deadLetterFile = nonEmpty(values['dead-letters'] ?? env.WOOPRA_DEAD_LETTERS)
  return {
    port: port === undefined ? DEFAULT_PORT : parsePort(port),
    project: nonEmpty(values.project ?? env.WOOPRA_PROJECT),
    writeKey: nonEmpty(values['write-key'] ?? env.WOOPRA_WRITE_KEY),
    dryRun: values['dry-run'] ?? isTrue(env.WOOPRA_DRY_RUN),
    logPayloads: values['log-payloads'] ?? isTrue(env.WOOPRA_LOG_PAYLOADS),
    drainTimeoutMs: drainTimeout === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : parseSeconds(drainTimeout),
    ...(deadLetterFile === undefined ? {} : { deadLetterFile })
  }
}

/** Signals closer together than this are one: Ctrl+C reaches the server both from the terminal and through npm. */
const SAME_SIGNAL_MS = 1000
/** How often the server checks that the process that started it (npm) is still there. */
const PARENT_CHECK_MS = 1000

function logListenError(log: Logger, port: number, error: NodeJS.ErrnoException): void {
  const hint =
    error.code === 'EADDRINUSE'
      ? { hint: `Port ${port} is in use (another server?): choose another with --port <n> or PORT, or --port 0 for any free port.` } // prettier-ignore
      : {}
  log({ level: 'error', msg: 'cannot listen', port, error: error.message, ...hint })
}

/** The options of this run, or the end of it: help printed (undefined), or a usage error (exit status 2). */
function optionsOrExit(): CliOptions | undefined {
  try {
    return parseCli(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    process.exit(2)
  }
}

/** Warns of unknown variables and stops (exit status 2) on a state file or project that cannot work. */
async function checkBeforeListening(options: CliOptions, log: Logger): Promise<void> {
  for (const { name, nearest } of unknownVariables(process.env)) {
    log({ level: 'warn', msg: 'unknown environment variable', name, hint: `Did you mean ${nearest}?` })
  }
  if (options.deadLetterFile !== undefined) {
    // As typed: relative to the folder the command was typed in (npm runs scripts in the package's own).
    const typedIn = process.env.npm_lifecycle_event !== undefined ? process.env.INIT_CWD : undefined
    options.deadLetterFile = path.resolve(typedIn ?? process.cwd(), options.deadLetterFile)
    const problem = appendProblem(options.deadLetterFile)
    if (problem) {
      log({ level: 'error', msg: 'cannot write dead letters', error: `--dead-letters: ${problem}` })
      process.exit(2)
    }
  }
  if (options.project !== undefined) {
    // The same check Segment runs when the settings are saved; Woopra's makes no network call.
    try {
      await new Destination(woopra).testAuthentication({ project: options.project })
    } catch (error) {
      log({ level: 'error', msg: 'invalid project', error: (error as Error).message.replace(/\s+/g, ' ') })
      process.exit(2)
    }
  }
}

/** The server, not yet listening. */
function createServer(options: CliOptions, log: Logger): ActionsServer {
  return createActionsServer({
    settings: options.project === undefined ? undefined : { project: options.project },
    writeKey: options.writeKey,
    dryRun: options.dryRun,
    logPayloads: options.logPayloads,
    shutdownTimeoutMs: options.drainTimeoutMs,
    delivery: { deadLetterFile: options.deadLetterFile },
    log
  })
}

/** Listens and logs where; a port it cannot take ends the process (exit status 1). */
async function listen(server: ActionsServer, options: CliOptions, log: Logger): Promise<void> {
  let url: string
  try {
    url = await server.listen(options.port)
  } catch (error) {
    logListenError(log, options.port, error as NodeJS.ErrnoException)
    process.exit(1)
  }
  log({
    level: 'info',
    msg: 'listening',
    url,
    pid: process.pid,
    dryRun: options.dryRun,
    project: options.project ?? null,
    writeKey: options.writeKey === undefined ? 'any' : 'required',
    deadLetters: options.deadLetterFile ?? null,
    routes: server.routes,
    ...(options.project === undefined ? { note: '/v1/* refuses events until a project is set (WOOPRA_PROJECT).' } : {})
  })
}

/**
 * Stops the server gracefully, delivering what it accepted, on Ctrl+C, SIGTERM, an error nothing caught, or npm
 * going away; a second signal (not the echo of the first) stops it at once.
 */
function stopOnSignals(server: ActionsServer, log: Logger): void {
  let stoppingSince: number | undefined
  let crashed = false
  const stop = (signal: string) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_SIGNAL_MS) return
      log({
        level: 'warn',
        msg: 'stopped before accepted events were delivered',
        signal,
        pending: server.pendingEvents()
      })
      process.exit(1)
    }
    stoppingSince = Date.now()
    log({ level: 'info', msg: 'stopping', signal, inFlight: server.inFlight(), pending: server.pendingEvents() })
    server.close().then(
      ({ undelivered }) => {
        log({ level: 'info', msg: 'stopped', undelivered })
        process.exit(undelivered === 0 && !crashed ? 0 : 1)
      },
      (error: Error) => {
        log({ level: 'error', msg: 'stop failed', error: error.message })
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // As the actions CLI's server: an error nothing caught stops the server gracefully (here: delivering what it took).
  const crash = (kind: string) => (error: unknown) => {
    crashed = true
    log({ level: 'error', msg: 'crashed', kind, error: redactReason((error as Error)?.message ?? error) })
    stop(kind)
  }
  process.on('uncaughtException', crash('uncaughtException'))
  process.on('unhandledRejection', crash('unhandledRejection'))
  // Started by npm: should npm go without passing a signal on (killed outright), stop as if it had.
  if (process.env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid
    setInterval(() => {
      if (process.ppid !== parent) stop('parent exited')
    }, PARENT_CHECK_MS).unref()
  }
}

async function main(): Promise<void> {
  const options = optionsOrExit()
  if (!options) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const log = jsonLineLogger()
  await checkBeforeListening(options, log)
  const server = createServer(options, log)
  // Before the server listens: a signal sent as soon as "listening" is read (npm passing on Ctrl+C or SIGTERM) must
  // find the handlers in place, or the process ends at once without draining (seen on a busy machine).
  stopOnSignals(server, log)
  await listen(server, options, log)
}

if (require.main === module) {
  void main()
}
