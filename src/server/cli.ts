import { parseArgs } from 'util'
import { Destination } from '@segment/actions-core'
import woopra from '../destinations/woopra'
import { jsonLineLogger } from './log'
import { createActionsServer, DEFAULT_PORT } from './server'

// `npm start`: the actions server for Woopra (Actions), configured from flags and environment variables.

export const USAGE = `Usage: npm start -- [options]

Serves Woopra (Actions) on http://127.0.0.1:<port> with the routes of the actions CLI's \`serve\`
(GET /manifest, POST /authenticate, POST /<action>) and Segment's HTTP Tracking API (POST /v1/*).

Options (each flag overrides its environment variable):
  --port <n>          port to listen on (PORT; default ${DEFAULT_PORT}; 0 picks a free port)
  --project <name>    Woopra project that /v1/* events go to, e.g. example.com (WOOPRA_PROJECT)
  --write-key <key>   refuse /v1/* requests without this write key (WOOPRA_WRITE_KEY)
  --dry-run           send nothing to Woopra: log each request instead and answer it locally (WOOPRA_DRY_RUN=1)
  --log-payloads      put events and full Woopra URLs in the logs; they hold personal data (WOOPRA_LOG_PAYLOADS=1)
  -h, --help          show this help`

export interface CliOptions {
  port: number
  project?: string
  writeKey?: string
  dryRun: boolean
  logPayloads: boolean
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

/** The options flags and environment give; `undefined` when help was asked for. Throws UsageError. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions | undefined {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        project: { type: 'string' },
        'write-key': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'log-payloads': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) return undefined
  const port = values.port ?? nonEmpty(env.PORT)
  return {
    port: port === undefined ? DEFAULT_PORT : parsePort(port),
    project: nonEmpty(values.project ?? env.WOOPRA_PROJECT),
    writeKey: nonEmpty(values['write-key'] ?? env.WOOPRA_WRITE_KEY),
    dryRun: values['dry-run'] ?? isTrue(env.WOOPRA_DRY_RUN),
    logPayloads: values['log-payloads'] ?? isTrue(env.WOOPRA_LOG_PAYLOADS)
  }
}

async function main(): Promise<void> {
  let options
  try {
    options = parseCli(process.argv.slice(2), process.env)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    process.exit(2)
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`)
    return
  }

  const log = jsonLineLogger()
  const settings = options.project === undefined ? undefined : { project: options.project }
  if (settings) {
    // The same check Segment runs when the settings are saved; Woopra's makes no network call.
    try {
      await new Destination(woopra).testAuthentication(settings)
    } catch (error) {
      log({ level: 'error', msg: 'invalid project', error: (error as Error).message.replace(/\s+/g, ' ') })
      process.exit(2)
    }
  }

  const server = createActionsServer({
    settings,
    writeKey: options.writeKey,
    dryRun: options.dryRun,
    logPayloads: options.logPayloads,
    log
  })
  let url: string
  try {
    url = await server.listen(options.port)
  } catch (error) {
    log({ level: 'error', msg: 'cannot listen', port: options.port, error: (error as Error).message })
    process.exit(1)
  }
  log({
    level: 'info',
    msg: 'listening',
    url,
    dryRun: options.dryRun,
    project: options.project ?? null,
    writeKey: options.writeKey === undefined ? 'any' : 'required',
    routes: server.routes,
    ...(options.project === undefined ? { note: '/v1/* refuses events until a project is set (WOOPRA_PROJECT).' } : {})
  })

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log({ level: 'warn', msg: 'stopped before requests in flight finished', signal })
      process.exit(1)
    }
    stopping = true
    log({ level: 'info', msg: 'stopping', signal, inFlight: server.inFlight() })
    server.close().then(
      () => {
        log({ level: 'info', msg: 'stopped' })
        process.exit(0)
      },
      (error: Error) => {
        log({ level: 'error', msg: 'stop failed', error: error.message })
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

if (require.main === module) {
  void main()
}
