// One delivery engine for every way this package sends events to Woopra: the local server's background delivery of
// `/v1` events and `npm run replay`. Bounded concurrency, order per visitor, retries with backoff, a result per job.

export { Delivery, DeliveryClosedError, DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS } from './delivery'
export { classifyFailure, parseRetryAfter } from './failure'
export type { ResponseLike } from './failure'
export { deliverThroughDestination, presetSubscriptions } from './destination'
export { DryRun, DRY_RUN_HEADER } from './dry-run'
export type { DryRunRequest } from './dry-run'
export { RateGovernor } from './rate-governor'
export type { RateGovernorOptions, Throttle } from './rate-governor'
export { visitorKey } from './visitor-key'
export { integrationEnabled } from './integrations'
export type { DeliveryOptions, DeliveryOutcome, DeliveryResult, FailureSummary, Timers } from './types'
