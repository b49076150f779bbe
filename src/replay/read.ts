import type { CheckpointState, SourceProgress } from './checkpoint'
import type { EventSieve } from './events'
import { identityOf } from './identity'
import type { SourceIdentity } from './identity'
import type { RawRecord } from './records'
import { S3AccessError } from './s3-source'
import type { Settlement } from './settlement'
import { readRecords, sourceKey } from './sources'
import type { Source } from './sources'
import type { Readable } from 'stream'

// Reading sources: the records of each source in order, passing over what an earlier run settled; a source that
// fails part way is settled by one dead letter for the rest of it.

export interface SourceReaderOptions {
  /** What earlier runs settled (--resume). */
  previous?: CheckpointState
  settlement: Settlement
  stdin?: Readable
  signal?: AbortSignal
  /** True when nothing more is to be read: interrupted, or the limit reached. */
  stopped: () => boolean
  /**
   * Not the data of one source but access to the inputs failed (S3 refused, throttled beyond the retries,
   * unreachable): reading stops, nothing more of the source is settled, so that --resume reads it once fixed.
   */
  onInputFailed: (message: string) => void
  /** Identities of sources already looked up (by key); the others are looked up as each is opened. */
  identities: ReadonlyMap<string, SourceIdentity | undefined>
  /** Tells this shard's records from others' (records an earlier run settled are counted as the first run did). */
  sieve: EventSieve
  /** A record to turn into an event and deliver (or settle at once). */
  onRecord: (raw: RawRecord, progress: SourceProgress, source: Source) => Promise<void>
}

/** Reads the sources one after another, until each is read or `stopped()`. */
export async function readSources(sources: readonly Source[], options: SourceReaderOptions): Promise<void> {
  for (const source of sources) {
    if (options.stopped()) break
    await readSource(source, options)
  }
}

export async function readSource(source: Source, options: SourceReaderOptions): Promise<void> {
  const { settlement, stopped } = options
  const { counts } = settlement
  const key = sourceKey(source)
  const previous = options.previous?.sources.get(key)
  if (previous?.done) {
    counts.bytesRead += source.bytes ?? 0
    // Checkpoints before the counts were kept: its records' last number (blank lines included).
    counts.alreadySettled += previous.own ?? previous.settled
    counts.otherShards += previous.other ?? 0
    return
  }
  const identity = options.identities.has(key) ? options.identities.get(key) : await identityOf(source)
  const progress = settlement.open(key, previous, identity)
  const iterator = readRecords(source, (bytes) => (counts.bytesRead += bytes), options.stdin)
  try {
    for (;;) {
      if (stopped()) return
      const next = await nextUnlessAborted(iterator, options.signal)
      if (next === 'aborted' || next.done) return
      const raw = next.value
      if (progress.settledBefore(raw.record)) {
        if (options.sieve.passOver(raw, source) === 'own') {
          counts.alreadySettled++
          progress.own++
        } else {
          counts.otherShards++
          progress.other++
        }
        progress.read(raw.record, false)
        continue
      }
      await options.onRecord(raw, progress, source)
    }
  } catch (error) {
    if (error instanceof S3AccessError) options.onInputFailed(error.message)
    else settlement.sourceFailed(progress, source.name, error, options.sieve.ownsSource(source))
  } finally {
    await iterator.return(undefined)
    if (!stopped()) settlement.finishedReading(progress)
  }
}

/**
 * The iterator's next value, or 'aborted' as soon as the signal aborts (standard input may wait for ever). Not
 * Promise.race with one long-lived promise: each race would leave a reaction on it, a leak per record.
 */
export function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal?: AbortSignal
): Promise<IteratorResult<T> | 'aborted'> {
  const next = iterator.next()
  if (!signal) return next
  if (signal.aborted) return Promise.resolve('aborted')
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted')
    signal.addEventListener('abort', onAbort, { once: true })
    next.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}
