import { HTTPError } from '@segment/actions-core'
import type { DecoratedResponse, Destination, JSONObject, ModifiedResponse } from '@segment/actions-core'
import type { ServerContext } from './context'
import { summarizeExchanges } from './exchanges'
import type { Exchange } from './exchanges'
import { HttpError, isPlainObject } from './http-io'
import { elapsedMs, redactReason, withoutAnswerBody } from './log'

// The routes of the actions CLI's `serve` (packages/cli/src/lib/server.ts), with the same request and answer shapes.

/** How the CLI reports an error thrown while running an action (HTTP 200, in a one-element array). */
export interface ErrorOutput {
  statusCode: number
  message?: string
  stack?: string[]
  fields?: Record<string, string>
  requestError: true
}

interface AjvFieldError {
  path: string
  message: string
}

/** The field errors of an ajv validation error (`AggregateAjvError`), keyed as the CLI keys them; else undefined. */
function fieldErrors(error: unknown): Record<string, string> | undefined {
  const candidate = error as { name?: string; errors?: AjvFieldError[] }
  if (candidate?.name !== 'AggregateAjvError' || !Array.isArray(candidate.errors)) return undefined
  const fields: Record<string, string> = {}
  for (const fieldError of candidate.errors) fields[fieldError.path.replace('$.', '')] = fieldError.message
  return fields
}

/** An error as the CLI reports it: status, message, stack lines, field errors. */
function marshalError(error: unknown): ErrorOutput {
  const err = error as Error & { status?: number }
  let statusCode = errorStatus(err)
  let message = err?.message
  if (err instanceof HTTPError) {
    const response = err.response as ModifiedResponse
    statusCode = response?.status ?? statusCode
    message = (response?.data as string) ?? response?.content
  }
  return { statusCode, message, stack: err?.stack?.split('\n'), fields: fieldErrors(err), requestError: true }
}

/** How a refused action request is answered: the CLI's error array, with the HTTP status set to the error's. */
export function actionErrorBody(error: HttpError): ErrorOutput[] {
  return [{ statusCode: error.status, message: error.message, fields: error.fields, requestError: true }]
}

export function manifest<S>(ctx: ServerContext<S>): unknown {
  return { ...ctx.definition, directoryName: ctx.directoryName }
}

/** The shape of the destination's settings for messages, such as `{"project": …}`. */
function settingsShape<S>(ctx: ServerContext<S>): string {
  const keys = Object.keys(ctx.definition.authentication?.fields ?? {})
  return `{${keys.map((key) => `"${key}": …`).join(', ')}}`
}

/** `POST /authenticate`: the body is the settings object itself. */
export async function authenticate<S>(ctx: ServerContext<S>, body: unknown) {
  if (!isPlainObject(body)) {
    throw new HttpError(400, `The body of /authenticate must be the settings object: ${settingsShape(ctx)}.`)
  }
  try {
    await ctx.createDestination().testAuthentication(body as S)
    return { ok: true }
  } catch (error) {
    return { ok: false, error: oneLine((error as Error).message), fields: fieldErrors(error) ?? {} }
  }
}

/**
 * actions-core wraps a testAuthentication failure as `Credentials are invalid: ${status} ${message}`, which leaves two
 * spaces when there is no HTTP status: messages are given with single spaces.
 */
function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim()
}

/**
 * `POST /refreshAccessToken`: as the CLI, `destination.refreshAccessToken({}, body)`, answering `{ok: true, data}`, or
 * 400 `{ok: false, error}`. For a destination without OAuth (Woopra's), actions-core refuses: the CLI's 400 answer.
 */
export async function refreshAccessToken<S>(ctx: ServerContext<S>, body: unknown) {
  try {
    const data = await ctx.createDestination().refreshAccessToken({} as S, body as never)
    return { status: 200, body: { ok: true, data } }
  } catch (error) {
    return { status: 400, body: { ok: false, error: oneLine((error as Error)?.message ?? String(error)) } }
  }
}

/**
 * Refuses settings that are missing, not an object, against the settings schema or rejected by the destination's
 * `testAuthentication` (which Segment runs when settings are saved, before any event is sent with them).
 */
async function checkSettings<S>(ctx: ServerContext<S>, destination: Destination<S>, settings: unknown): Promise<S> {
  if (settings === undefined || settings === null) {
    throw new HttpError(
      400,
      `The body has no \`settings\`: send {"payload": <event>, "settings": ${settingsShape(ctx)}}.`
    )
  }
  if (!isPlainObject(settings)) throw new HttpError(400, `\`settings\` must be an object: ${settingsShape(ctx)}.`)
  try {
    await destination.testAuthentication(settings as S)
  } catch (error) {
    const message = `Invalid settings: ${oneLine((error as Error).message)}`
    throw new HttpError(400, message, { fields: fieldErrors(error) })
  }
  return settings as S
}

function checkPayload(payload: unknown): JSONObject | JSONObject[] {
  if (payload === undefined || payload === null) return {}
  if (isPlainObject(payload)) return payload as JSONObject
  if (Array.isArray(payload) && payload.every(isPlainObject)) return payload as JSONObject[]
  throw new HttpError(400, '`payload` must be a Segment event (an object) or an array of Segment events.')
}

function checkMapping(mapping: unknown): JSONObject {
  if (mapping === undefined || mapping === null) return {}
  if (isPlainObject(mapping)) return mapping as JSONObject
  throw new HttpError(400, '`mapping` must be an object of field keys to values or mapping directives.')
}

/** Where the last request of a delivery went (path only: the query holds the event) and how it was answered. */
function lastCall(responses: readonly DecoratedResponse[], logPayloads: boolean) {
  const last = responses[responses.length - 1]
  if (!last) return {}
  const url = new URL(last.request.url)
  return {
    endpoint: url.pathname,
    status: last.status,
    ...(logPayloads ? { urls: responses.map((response) => response.request.url) } : {})
  }
}

/** The HTTP status an error from a destination stands for, as actions-core reads it. */
function errorStatus(error: unknown): number {
  const candidate = error as { status?: unknown; response?: { status?: unknown } } | undefined
  const status = candidate?.status ?? candidate?.response?.status
  return typeof status === 'number' ? status : 500
}

function lastAnswerBody(responses: readonly DecoratedResponse[]): unknown {
  return responses[responses.length - 1]?.content
}

/** The answer to a POST to a path that names no action. */
export function unknownAction<S>(ctx: ServerContext<S>, actionKey: string): HttpError {
  const known = Object.keys(ctx.definition.actions).join(', ')
  return new HttpError(404, `${ctx.definition.name} has no action "${actionKey}". Its actions are: ${known}.`)
}

function optionalObject(value: unknown): JSONObject {
  return isPlainObject(value) ? (value as JSONObject) : {}
}

/** `POST /<actionKey>`: runs one action on `payload` and answers the exchanges it made, or the CLI's error array. */
export async function runAction<S>(
  ctx: ServerContext<S>,
  actionKey: string,
  body: unknown
): Promise<Exchange[] | ErrorOutput[]> {
  if (!isPlainObject(body)) {
    throw new HttpError(400, 'The body must be an object: {"payload": <event>, "settings": {...}, "mapping": {...}}.')
  }
  const destination = ctx.createDestination()
  const action = destination.actions[actionKey]
  if (!action) throw unknownAction(ctx, actionKey)
  const payload = checkPayload(body.payload)
  const mapping = checkMapping(body.mapping)
  const settings = await checkSettings(ctx, destination, body.settings)

  // As the CLI: field defaults under the given mapping; with neither, the payload itself is the mapping.
  const defaults: JSONObject = {}
  for (const [key, field] of Object.entries(action.definition.fields)) {
    if (field.default !== undefined && field.default !== null) defaults[key] = field.default as JSONObject
  }
  const merged = { ...defaults, ...mapping }
  const firstEvent = Array.isArray(payload) ? payload[0] ?? {} : payload
  type Bundle = Parameters<typeof action.execute>[0]
  // auth, features and subscriptionMetadata are passed through as given, as the CLI does.
  const eventParams = {
    data: payload,
    settings,
    mapping: Object.keys(merged).length > 0 ? merged : firstEvent,
    auth: optionalObject(body.auth) as unknown as Bundle['auth'],
    features: optionalObject(body.features) as Bundle['features'],
    subscriptionMetadata: optionalObject(body.subscriptionMetadata) as Bundle['subscriptionMetadata'],
    audienceSettings: optionalObject(optionalObject(optionalObject(firstEvent.context).personas).audience_settings)
  }

  const startedAt = process.hrtime.bigint()
  const logFields = {
    route: `/${actionKey}`,
    type: Array.isArray(payload) ? 'batch' : payload.type ?? null,
    action: actionKey,
    ...(Array.isArray(payload) ? { events: payload.length } : {}),
    ...(ctx.dryRun ? { dryRun: true } : {}),
    ...(ctx.logPayloads ? { payload } : {})
  }
  try {
    if (Array.isArray(eventParams.data)) {
      await action.executeBatch({ ...eventParams, data: eventParams.data })
    } else {
      await action.execute({ ...eventParams, data: eventParams.data })
    }
    const exchanges = await summarizeExchanges(destination.responses)
    ctx.log({
      level: 'info',
      msg: 'event',
      ...logFields,
      ...lastCall(destination.responses, ctx.logPayloads),
      durationMs: elapsedMs(startedAt)
    })
    return exchanges
  } catch (error) {
    const output = marshalError(error)
    ctx.log({
      level: 'warn',
      msg: 'event failed',
      ...logFields,
      ...lastCall(destination.responses, ctx.logPayloads),
      status: output.statusCode,
      reason: ctx.logPayloads
        ? output.message
        : redactReason(withoutAnswerBody(String((error as Error)?.message), lastAnswerBody(destination.responses))),
      durationMs: elapsedMs(startedAt)
    })
    return [output]
  }
}
