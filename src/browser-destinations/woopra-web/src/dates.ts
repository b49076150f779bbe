// Woopra stores dates on profiles as epoch milliseconds (as Segment's classic integration sends them), so an ISO-8601
// date-time or a Date among the traits becomes a number. The rule is the cloud destination's: a full date-time (date
// and time of day, zone optional, UTC when absent); anything else, a bare date included, stays as it is.

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** Epoch milliseconds of a full ISO-8601 date-time, or undefined when the text is not one (or not a real date). */
export function isoDateTimeToEpochMs(text: string): number | undefined {
  const match = ISO_DATE_TIME.exec(text)
  if (!match) return undefined
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone = 'Z'] = match
  const parts = [year, month, day, hour, minute, second].map(Number)
  const date = new Date(0)
  date.setUTCFullYear(parts[0], parts[1] - 1, parts[2])
  date.setUTCHours(parts[3], parts[4], parts[5], Number(fraction.padEnd(3, '0').slice(0, 3)))
  // 2015-02-30 or 25:00 would roll over into another date: such text is not a date.
  const readBack = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds()
  ]
  if (readBack.some((value, index) => value !== parts[index])) return undefined
  const offsetMs = zoneOffsetMs(zone)
  return offsetMs === undefined ? undefined : date.getTime() - offsetMs
}

function zoneOffsetMs(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2) || '0')
  if (hours > 23 || minutes > 59) return undefined
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60000
}

/** The value with a date-time text or a valid Date as epoch milliseconds; anything else unchanged. */
export function dateAsEpochMs(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.getTime()
  if (typeof value === 'string') return isoDateTimeToEpochMs(value) ?? value
  return value
}
