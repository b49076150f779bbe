// The rule for adding the browser's Woopra cookie to a Segment call, the same as the browser cookie plugin's
// (src/browser-destinations/woopra-plugins/src/woopraCookie): never overwrite a cookie the call carries, never add one
// to a call that switched Woopra off.

/** The part of a Segment call (an analytics-node call's parameters, or a whole event) the rule reads. */
export interface WithIntegrations {
  integrations?: Record<string, unknown> | undefined
}

/** Only a non-empty string (more than whitespace) is a cookie: anything else on the call gives way to the browser's. */
function carriesCookie(woopra: unknown): boolean {
  const cookie = (woopra as { cookie?: unknown } | null | undefined)?.cookie
  return typeof cookie === 'string' && cookie.trim() !== ''
}

/**
 * Whether the cookie may be added without changing where the call goes: a falsy `integrations.Woopra` (false, 0, '')
 * switches Woopra off for the call, and with `All: false` an added `Woopra` object would switch it on.
 */
function mayAddCookie(integrations: Record<string, unknown> | undefined): boolean {
  const woopra = integrations?.Woopra
  if (woopra !== undefined && woopra !== null && !woopra) return false
  return integrations?.All !== false || Boolean(woopra)
}

/**
 * The call with `integrations.Woopra.cookie` set to `cookie`, when the rule allows it; else the call itself. Nothing
 * the caller passed is changed: the call, its `integrations` and its `Woopra` object are copied, so that an
 * `integrations` object shared by several calls (a module-level constant, say) never carries one visitor's cookie to
 * another's call.
 */
export function withCookie<T extends object>(call: T, cookie: string | undefined): T {
  if (cookie === undefined || cookie.trim() === '') return call
  const given = (call as WithIntegrations).integrations
  const integrations = isRecord(given) ? given : undefined
  if (!mayAddCookie(integrations) || carriesCookie(integrations?.Woopra)) return call
  const woopra = isRecord(integrations?.Woopra) ? integrations?.Woopra : {}
  // The call's own type still holds: only `integrations.Woopra` changed, to an object.
  return { ...call, integrations: { ...integrations, Woopra: { ...woopra, cookie } } } as T
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
