/** A non-empty identifier: a string with something besides whitespace, or a finite number (as text). */
function identifier(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function woopraCookie(integrations: unknown): string | undefined {
  if (typeof integrations !== 'object' || integrations === null) return undefined
  const woopra = (integrations as Record<string, unknown>).Woopra
  if (typeof woopra !== 'object' || woopra === null) return undefined
  const cookie = (woopra as Record<string, unknown>).cookie
  return typeof cookie === 'string' && cookie.trim() !== '' ? cookie : undefined
}

/**
 * The visitor an event belongs to, for per-visitor order and for sharding: the user ID, else the Woopra cookie
 * (`integrations.Woopra.cookie`, a non-empty string), else the anonymous ID, else the message ID; '' when the event
 * has none of them (the caller picks a key of its own then).
 */
export function visitorKey(event: unknown): string {
  if (typeof event !== 'object' || event === null) return ''
  const fields = event as Record<string, unknown>
  return (
    identifier(fields.userId) ??
    woopraCookie(fields.integrations) ??
    identifier(fields.anonymousId) ??
    identifier(fields.messageId) ??
    ''
  )
}
