import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'fs'
import { Deque } from '../delivery/deque'

/*
 * The checkpoint: what is settled (delivered, skipped or dead-lettered), per source, so that --resume sends only the
 * rest. One file of JSON lines: a snapshot first, then a journal line appended (with a synchronous write, so that it
 * survives the process being killed) as each record settles. Every so often the snapshot is rewritten and the
 * journal emptied: the new file is written beside it, flushed to disk, then renamed over it, so that a crash leaves
 * either the old file or the new one, never half of one. A crash in the middle of a journal append leaves a partial
 * last line, which loading ignores.
 *
 * Line 1:  {"version":1,"shard":"0/4","sources":{"/abs/a.jsonl.gz":{"id":0,"settled":120,"above":[125],"done":false}}}
 * then:    {"source":1,"path":"/abs/b.jsonl"}     a new source
 *          [0,121]                                 record 121 of source 0 settled
 *          {"done":0,"records":130}                every record of source 0 settled
 */

export const CHECKPOINT_VERSION = 1

/** What is known to be settled of one source. */
export interface SettledRecords {
  /** Every record up to this number is settled. */
  settled: number
  /** Records after `settled` that are settled too. */
  above: Set<number>
  /** The whole source is settled. */
  done: boolean
}

export interface CheckpointState {
  shard?: string
  sources: Map<string, SettledRecords>
}

/** Thrown when a checkpoint file cannot be read as one. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckpointError'
  }
}

export function loadCheckpoint(file: string): CheckpointState | undefined {
  if (!existsSync(file)) return undefined
  const lines = readFileSync(file, 'utf8').split('\n')
  let snapshot: { version?: unknown; shard?: unknown; sources?: Record<string, { id: number; settled: number; above?: number[]; done?: boolean }> } // prettier-ignore
  try {
    snapshot = JSON.parse(lines[0])
  } catch {
    throw new CheckpointError(`${file} is not a replay checkpoint (its first line is not JSON).`)
  }
  if (snapshot?.version !== CHECKPOINT_VERSION || typeof snapshot.sources !== 'object' || snapshot.sources === null) {
    throw new CheckpointError(`${file} is not a replay checkpoint of version ${CHECKPOINT_VERSION}.`)
  }
  const sources = new Map<string, SettledRecords>()
  const byId = new Map<number, SettledRecords>()
  for (const [key, entry] of Object.entries(snapshot.sources)) {
    const records = { settled: entry.settled, above: new Set(entry.above ?? []), done: entry.done === true }
    sources.set(key, records)
    byId.set(entry.id, records)
  }
  for (const line of lines.slice(1)) {
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      continue // empty, or cut by a crash in the middle of the write
    }
    if (Array.isArray(entry)) {
      byId.get(entry[0] as number)?.above.add(entry[1] as number)
    } else if (typeof entry === 'object' && entry !== null) {
      const fields = entry as { source?: number; path?: string; done?: number; records?: number }
      if (typeof fields.source === 'number' && typeof fields.path === 'string') {
        const records = sources.get(fields.path) ?? { settled: 0, above: new Set<number>(), done: false }
        sources.set(fields.path, records)
        byId.set(fields.source, records)
      } else if (typeof fields.done === 'number') {
        const records = byId.get(fields.done)
        if (records) {
          records.done = true
          records.settled = Math.max(records.settled, fields.records ?? 0)
          records.above.clear()
        }
      }
    }
  }
  for (const records of sources.values()) compactAbove(records)
  return { shard: typeof snapshot.shard === 'string' ? snapshot.shard : undefined, sources }
}

function compactAbove(records: SettledRecords) {
  while (records.above.delete(records.settled + 1)) records.settled++
}

/**
 * What this run has settled of one source, in the order records were read: `open` are read and not yet settled;
 * every record read before the first open one is settled (records that need no delivery, such as those of other
 * shards, are never open).
 */
export class SourceProgress {
  readonly open = new Deque<number>()
  private readonly settledOpen = new Set<number>()
  lastRead: number
  finishedReading = false

  constructor(readonly id: number, readonly key: string, readonly previous: SettledRecords) {
    this.lastRead = previous.settled
  }

  /** Whether an earlier run settled this record (resume skips it). */
  settledBefore(record: number): boolean {
    return record <= this.previous.settled || this.previous.above.has(record)
  }

  read(record: number, needsDelivery: boolean) {
    this.lastRead = record
    if (needsDelivery) this.open.push(record)
  }

  settle(record: number) {
    this.settledOpen.add(record)
    for (let first = this.peekOpen(); first !== undefined && this.settledOpen.delete(first); first = this.peekOpen()) {
      this.open.shift()
    }
  }

  private peekOpen(): number | undefined {
    for (const record of this.open) return record
    return undefined
  }

  /** Records read but not yet known settled, from the first open one: what the reader may run ahead by. */
  span(): number {
    const first = this.peekOpen()
    return first === undefined ? 0 : this.lastRead - first + 1
  }

  get complete(): boolean {
    return this.finishedReading && this.open.length === 0
  }

  snapshot(): { settled: number; above: number[]; done: boolean } {
    const first = this.peekOpen()
    const settled = first === undefined ? this.lastRead : first - 1
    const above = new Set<number>()
    for (const record of this.settledOpen) if (record > settled) above.add(record)
    for (const record of this.previous.above) if (record > settled) above.add(record)
    return { settled: Math.max(settled, this.previous.settled), above: [...above].sort((a, b) => a - b), done: this.complete } // prettier-ignore
  }
}

/** Writes the checkpoint: a journal line per settled record, and a fresh snapshot now and then. */
export class CheckpointWriter {
  private fd: number
  private readonly sources = new Map<string, SourceProgress>()
  private readonly idle = new Map<string, SettledRecords & { id: number }>()
  private nextId = 0
  private journaled = 0

  constructor(private readonly file: string, private readonly shard: string | undefined, previous?: CheckpointState) {
    for (const [key, records] of previous?.sources ?? []) this.idle.set(key, { ...records, id: this.nextId++ })
    this.fd = this.writeSnapshot()
  }

  /** The progress of a source, from what earlier runs settled of it. */
  open(key: string): SourceProgress {
    const known = this.idle.get(key)
    const id = known?.id ?? this.nextId++
    const progress = new SourceProgress(id, key, known ?? { settled: 0, above: new Set(), done: false })
    this.idle.delete(key)
    this.sources.set(key, progress)
    this.append(JSON.stringify({ source: id, path: key }))
    return progress
  }

  settled(progress: SourceProgress, record: number) {
    progress.settle(record)
    this.append(`[${progress.id},${record}]`)
    this.journaled++
  }

  finished(progress: SourceProgress) {
    this.append(JSON.stringify({ done: progress.id, records: progress.lastRead }))
  }

  /** Journal lines since the last snapshot. */
  get journalLength(): number {
    return this.journaled
  }

  /** Rewrites the snapshot (atomically) and empties the journal. */
  compact() {
    closeSync(this.fd)
    this.fd = this.writeSnapshot()
    this.journaled = 0
  }

  close() {
    this.compact()
    closeSync(this.fd)
  }

  private append(line: string) {
    writeSync(this.fd, `${line}\n`)
  }

  /** Writes the snapshot to a temporary file, flushes it, renames it over the checkpoint; returns it open to append. */
  private writeSnapshot(): number {
    const sources: Record<string, unknown> = {}
    for (const [key, records] of this.idle) {
      sources[key] = { id: records.id, settled: records.settled, above: [...records.above], done: records.done }
    }
    for (const [key, progress] of this.sources) sources[key] = { id: progress.id, ...progress.snapshot() }
    const temporary = `${this.file}.${process.pid}.tmp`
    const fd = openSync(temporary, 'w')
    writeSync(fd, `${JSON.stringify({ version: CHECKPOINT_VERSION, ...(this.shard ? { shard: this.shard } : {}), sources })}\n`) // prettier-ignore
    fsyncSync(fd)
    closeSync(fd)
    renameSync(temporary, this.file)
    return openSync(this.file, 'a')
  }
}
