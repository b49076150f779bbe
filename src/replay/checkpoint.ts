import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'fs'
import { Deque } from '../delivery/deque'
import type { SourceIdentity } from './identity'

/*
 * The checkpoint: what is settled (delivered, skipped or dead-lettered), per source, so that --resume sends only the
 * rest. One file of JSON lines: a snapshot first, then a journal line appended (with a synchronous write, so that it
 * survives the process being killed) as each record settles. Every so often the snapshot is rewritten and the
 * journal emptied: the new file is written beside it, flushed to disk, then renamed over it, so that a crash leaves
 * either the old file or the new one, never half of one. A crash in the middle of a journal append leaves a partial
 * last line, which loading ignores.
 *
 * Line 1:  {"version":1,"shard":"0/4","sources":{"/abs/a.jsonl.gz":{"id":0,"settled":120,"above":[125],"done":false,
 *            "identity":{"size":5120,"mtimeMs":1704067200000,"headSha256":"…"}}}}
 * then:    {"source":1,"path":"/abs/b.jsonl","identity":{…}}     a new source, and what it is (identity.ts)
 *          [0,121]                                                record 121 of source 0 settled
 *          {"done":0,"records":130,"own":60,"other":68}           every record of source 0 settled: 60 of this
 *                                                                 shard's, 68 of others (blank lines are no records)
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
  /** What the source was when its records were settled (absent in older checkpoints, and for standard input). */
  identity?: SourceIdentity
  /** Of a done source: its records of this shard, and of other shards, so that a resumed run counts them the same. */
  own?: number
  other?: number
}

type SnapshotEntry = { id: number; settled: number; above?: number[]; done?: boolean; identity?: SourceIdentity; own?: number; other?: number } // prettier-ignore

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
  let snapshot: { version?: unknown; shard?: unknown; sources?: Record<string, SnapshotEntry> }
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
    const { settled, identity, own, other } = entry
    const records: SettledRecords = { settled, above: new Set(entry.above ?? []), done: entry.done === true }
    if (identity) records.identity = identity
    if (typeof own === 'number' && typeof other === 'number') Object.assign(records, { own, other })
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
      const fields = entry as { source?: number; path?: string; identity?: SourceIdentity; done?: number; records?: number; own?: number; other?: number } // prettier-ignore
      if (typeof fields.source === 'number' && typeof fields.path === 'string') {
        const records: SettledRecords = sources.get(fields.path) ?? { settled: 0, above: new Set<number>(), done: false } // prettier-ignore
        if (fields.identity) records.identity = fields.identity
        sources.set(fields.path, records)
        byId.set(fields.source, records)
      } else if (typeof fields.done === 'number') {
        const records = byId.get(fields.done)
        if (records) {
          records.done = true
          records.settled = Math.max(records.settled, fields.records ?? 0)
          records.above.clear()
          if (typeof fields.own === 'number' && typeof fields.other === 'number') {
            Object.assign(records, { own: fields.own, other: fields.other })
          }
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
  /** Records of this shard, and of other shards, read of this source in this run, those passed over included. */
  own = 0
  other = 0

  constructor(
    readonly id: number,
    readonly key: string,
    readonly previous: SettledRecords,
    readonly identity?: SourceIdentity
  ) {
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

  snapshot(): Omit<SnapshotEntry, 'id'> {
    const first = this.peekOpen()
    const settled = first === undefined ? this.lastRead : first - 1
    const above = new Set<number>()
    for (const record of this.settledOpen) if (record > settled) above.add(record)
    for (const record of this.previous.above) if (record > settled) above.add(record)
    const done = this.complete
    return { settled: Math.max(settled, this.previous.settled), above: [...above].sort((a, b) => a - b), done, ...this.identityAndCounts(done) } // prettier-ignore
  }

  /** The identity, and (once done) the counts, as the checkpoint keeps them. */
  identityAndCounts(done: boolean): Pick<SnapshotEntry, 'identity' | 'own' | 'other'> {
    const identity = this.identity ?? this.previous.identity
    return { ...(identity ? { identity } : {}), ...(done ? { own: this.own, other: this.other } : {}) }
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

  /** The progress of a source, from what earlier runs settled of it; `identity`: what the source is now. */
  open(key: string, identity?: SourceIdentity): SourceProgress {
    const known = this.idle.get(key)
    const id = known?.id ?? this.nextId++
    const progress = new SourceProgress(id, key, known ?? { settled: 0, above: new Set(), done: false }, identity)
    this.idle.delete(key)
    this.sources.set(key, progress)
    this.append(JSON.stringify({ source: id, path: key, ...(identity ? { identity } : {}) }))
    return progress
  }

  settled(progress: SourceProgress, record: number) {
    progress.settle(record)
    this.append(`[${progress.id},${record}]`)
    this.journaled++
  }

  finished(progress: SourceProgress) {
    this.append(JSON.stringify({ done: progress.id, records: progress.lastRead, own: progress.own, other: progress.other })) // prettier-ignore
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
      const { id, settled, done, identity, own, other } = records
      sources[key] = { id, settled, above: [...records.above], done, identity, own, other }
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
