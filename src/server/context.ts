import { Destination } from '@segment/actions-core'
import type { DestinationDefinition, Subscription } from '@segment/actions-core'
import { DryRun, presetSubscriptions } from '../delivery'
import type { DryRunRequest } from '../delivery'
import { redactHeaders } from './exchanges'
import type { LogEntry, Logger } from './log'

/** What every route needs: the destination, how to run it, where to log, and the ingestion configuration. */
export interface ServerContext<S> {
  /** The definition as given: what `/manifest` describes. */
  readonly definition: DestinationDefinition<S>
  /** The destination's folder name, reported by `/manifest` as the CLI does. */
  readonly directoryName: string
  /**
   * A fresh Destination for one HTTP request. One per request keeps each answer's list of exchanges to that request's
   * own calls when requests run concurrently (the CLI shares one instance and clears its list after each answer).
   */
  createDestination(): Destination<S>
  readonly log: Logger
  readonly dryRun: boolean
  /** Whether event log lines carry the event and the full request URLs (off by default: they hold personal data). */
  readonly logPayloads: boolean
  /** The settings events posted to `/v1/*` are delivered with; undefined when none were configured. */
  readonly ingestSettings?: S
  /** The write key `/v1/*` requires; undefined to accept any. */
  readonly writeKey?: string
  /** The destination's automatic presets, as the subscriptions `/v1/*` events are matched against. */
  readonly subscriptions: Subscription[]
  /** The browser origins allowed to call: the Actions Tester's, and the server's own once it listens. */
  readonly corsOrigins: string[]
}

export interface ContextOptions<S> {
  definition: DestinationDefinition<S>
  directoryName: string
  log: Logger
  dryRun: boolean
  logPayloads: boolean
  ingestSettings?: S
  writeKey?: string
  corsOrigins: readonly string[]
  /** Also told each request dry run keeps from the network, in full (the development page shows them). */
  onDryRunRequest?: (request: DryRunRequest) => void
}

/**
 * The log line of a request dry run kept from the network: with payloads, all of it; without, no query, header value
 * or body (they hold the event and the visitor's user agent), only its method, endpoint path and size.
 */
function dryRunLine(request: DryRunRequest, logPayloads: boolean): LogEntry {
  if (logPayloads) return { level: 'info', msg: 'dry run: not sent', ...request }
  const url = new URL(request.url)
  return {
    level: 'info',
    msg: 'dry run: not sent',
    method: request.method,
    endpoint: url.pathname,
    queryBytes: Buffer.byteLength(url.search),
    bodyBytes: Buffer.byteLength(request.body)
  }
}

export function createContext<S>(options: ContextOptions<S>): ServerContext<S> {
  const { definition, log, dryRun } = options
  const runnable = dryRun
    ? new DryRun((request) => {
        const redacted = { ...request, headers: redactHeaders(request.headers) }
        log(dryRunLine(redacted, options.logPayloads))
        options.onDryRunRequest?.(redacted)
      }).wrap(definition)
    : definition
  return {
    ...options,
    corsOrigins: [...options.corsOrigins],
    createDestination: () => new Destination<S>(runnable),
    subscriptions: presetSubscriptions(definition)
  }
}
