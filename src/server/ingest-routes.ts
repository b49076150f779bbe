import type { JSONObject } from '@segment/actions-core'
import { errorStatus, lastCall } from './context'
import type { ServerContext } from './context'
import { HttpError, isPlainObject } from './http-io'
import { elapsedMs } from './log'
import { isMessageType, messageProblem, normalizeMessage, sameKey, writeKeyOf } from './segment-message'
import type { BatchDefaults, MessageType } from './segment-message'

// Segment's HTTP Tracking API (`/v1/<type>` and `/v1/batch`), delivering each event through the destination's presets.

export const INGEST_ROUTES: readonly string[] = [
  '/v1/track',
  '/v1/identify',
  '/v1/page',
  '/v1/screen',
  '/v1/group',
  '/v1/alias',
  '/v1/batch'
]

/** Segment's answer to an accepted request, whatever became of each event (failures are logged, as Segment does). */
export const ACCEPTED = { success: true }

/**
 * Handles a parsed body posted to `route` (one of INGEST_ROUTES): checks the write key and the configuration, then
 * delivers each message in order, one after the other, as a source's events reach a destination in order.
 */
export async function ingest<S>(ctx: ServerContext<S>, route: string, body: unknown, authorization?: string) {
  if (!isPlainObject(body)) throw new HttpError(400, 'The body must be a JSON object (a Segment message or a batch).')
  if (ctx.writeKey !== undefined && !sameKey(writeKeyOf(authorization, body), ctx.writeKey)) {
    throw new HttpError(401, 'Invalid write key: send the write key as the user name of Basic authorization.')
  }
  const settings = ctx.ingestSettings
  if (settings === undefined) {
    throw new HttpError(
      400,
      'No Woopra project is configured for /v1 events: start the server with WOOPRA_PROJECT=<project> or --project <project>.'
    )
  }

  const receivedAt = new Date()
  const routeType = route.slice('/v1/'.length)
  if (routeType !== 'batch') {
    await deliver(ctx, settings, route, body, routeType as MessageType, receivedAt, {})
    return ACCEPTED
  }
  if (!Array.isArray(body.batch)) throw new HttpError(400, 'A batch must have a `batch` array of messages.')
  const defaults: BatchDefaults = { sentAt: body.sentAt, context: body.context, integrations: body.integrations }
  for (const message of body.batch as unknown[]) {
    await deliver(ctx, settings, route, message, undefined, receivedAt, defaults)
  }
  return ACCEPTED
}

/** Delivers one message through the destination's subscriptions and logs one line for it. Never throws. */
async function deliver<S>(
  ctx: ServerContext<S>,
  settings: S,
  route: string,
  message: unknown,
  routeType: MessageType | undefined,
  receivedAt: Date,
  defaults: BatchDefaults
): Promise<void> {
  const startedAt = process.hrtime.bigint()
  const type = routeType ?? (isPlainObject(message) ? message.type : undefined)
  const base = { route, type: typeof type === 'string' ? type : null, ...(ctx.dryRun ? { dryRun: true } : {}) }
  if (!isPlainObject(message) || !isMessageType(type)) {
    ctx.log({
      level: 'warn',
      msg: 'event dropped',
      ...base,
      reason:
        'Each message of a batch must be an object with a `type` of track, identify, page, screen, group or alias.'
    })
    return
  }

  const event = normalizeMessage(message, type, receivedAt, defaults)
  const fields = { ...base, messageId: event.messageId, ...(ctx.logPayloads ? { event } : {}) }
  const problem = messageProblem(event)
  if (problem) {
    ctx.log({ level: 'warn', msg: 'event dropped', ...fields, reason: problem })
    return
  }

  const destination = ctx.createDestination()
  const actions: string[] = []
  try {
    await destination.onEvent(
      event,
      {
        ...(settings as unknown as JSONObject),
        subscriptions: ctx.subscriptions as unknown as JSONObject[]
      },
      {
        onComplete: (stats) => {
          if (!isNotSubscribed(stats.output)) actions.push(stats.action)
        }
      }
    )
    if (actions.length === 0) {
      ctx.log({
        level: 'info',
        msg: 'event skipped',
        ...fields,
        action: null,
        reason: notSubscribedReason(ctx, type),
        durationMs: elapsedMs(startedAt)
      })
      return
    }
    ctx.log({
      level: 'info',
      msg: 'event',
      ...fields,
      action: actions.join(','),
      ...lastCall(destination.responses, ctx.logPayloads),
      durationMs: elapsedMs(startedAt)
    })
  } catch (error) {
    ctx.log({
      level: 'warn',
      msg: 'event failed',
      ...fields,
      action: actions.join(',') || null,
      ...lastCall(destination.responses, ctx.logPayloads),
      status: errorStatus(error),
      reason: (error as Error)?.message ?? String(error),
      durationMs: elapsedMs(startedAt)
    })
  }
}

function isNotSubscribed(output: unknown): boolean {
  return (
    Array.isArray(output) && output.length === 1 && (output[0] as { output?: unknown })?.output === 'not subscribed'
  )
}

function notSubscribedReason<S>(ctx: ServerContext<S>, type: string): string {
  return `No subscription of ${ctx.definition.name} matches this ${type} event (its presets: ${ctx.subscriptions
    .map((subscription) => subscription.subscribe)
    .join('; ')}).`
}
