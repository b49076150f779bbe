/** One log entry: written as one JSON line. Callers put no payload or personal data in it unless asked to. */
export interface LogEntry {
  level: 'info' | 'warn' | 'error'
  msg: string
  [field: string]: unknown
}

export type Logger = (entry: LogEntry) => void

/** A logger that writes each entry as one JSON line, with the time first, to a stream (stdout by default). */
export function jsonLineLogger(stream: NodeJS.WritableStream = process.stdout): Logger {
  return (entry) => {
    stream.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n')
  }
}

/** Milliseconds since `startedAt` (from `process.hrtime.bigint()`), rounded to a tenth. */
export function elapsedMs(startedAt: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - startedAt) / 1e5) / 10
}
