import { createHash } from 'crypto'
import { promises as fs } from 'fs'
import type { Source } from './sources'

// What a source was when the checkpoint settled records of it, so that --resume can tell a source that changed since
// (an event prepended moves every record number on) from the same one: a file's size, modification time and a hash
// of its first megabyte; an S3 object's ETag and size. Standard input has none.

export interface SourceIdentity {
  size?: number
  /** Modification time, milliseconds since 1970. */
  mtimeMs?: number
  /** SHA-256 (hex) of the first HEAD_BYTES bytes. */
  headSha256?: string
  etag?: string
}

export const HEAD_BYTES = 1024 * 1024

export async function identityOf(source: Source): Promise<SourceIdentity | undefined> {
  if (source.s3) return { etag: source.s3.object.etag, size: source.s3.object.size }
  if (source.name === '-') return undefined
  let handle
  try {
    handle = await fs.open(source.name, 'r')
  } catch {
    return undefined // unreadable: reading it dead-letters it, with the reason
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) return undefined
    const head = Buffer.alloc(Math.min(HEAD_BYTES, stat.size))
    let filled = 0
    while (filled < head.length) {
      const { bytesRead } = await handle.read(head, filled, head.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    const headSha256 = createHash('sha256').update(head.subarray(0, filled)).digest('hex')
    return { size: stat.size, mtimeMs: Math.round(stat.mtimeMs), headSha256 }
  } finally {
    await handle.close()
  }
}

/** How `now` differs from `before`, in words ("size 120 → 180, first megabyte differs"); undefined when the same. */
export function identityChange(before: SourceIdentity, now: SourceIdentity | undefined): string | undefined {
  if (!now) return undefined
  const changes: string[] = []
  if (before.etag !== undefined && before.etag !== now.etag) changes.push(`ETag ${before.etag} → ${now.etag}`)
  if (before.size !== undefined && before.size !== now.size) changes.push(`size ${before.size} → ${now.size} bytes`)
  if (before.headSha256 !== undefined && before.headSha256 !== now.headSha256) changes.push('first megabyte differs')
  if (before.mtimeMs !== undefined && before.mtimeMs !== now.mtimeMs) {
    changes.push(`modified ${new Date(before.mtimeMs).toISOString()} → ${new Date(now.mtimeMs ?? 0).toISOString()}`)
  }
  return changes.length > 0 ? changes.join(', ') : undefined
}

/**
 * Sources the checkpoint knows (`recorded` gives the identity it holds for a key) that are not what they were, and the
 * identities looked up on the way (by key).
 */
export async function changedSources(
  sources: readonly Source[],
  recorded: (key: string) => SourceIdentity | undefined,
  keyOf: (source: Source) => string
): Promise<{ changed: { name: string; change: string }[]; identities: Map<string, SourceIdentity | undefined> }> {
  const changed: { name: string; change: string }[] = []
  const identities = new Map<string, SourceIdentity | undefined>()
  for (const source of sources) {
    const key = keyOf(source)
    const before = recorded(key)
    if (!before) continue
    const now = await identityOf(source)
    identities.set(key, now)
    const change = identityChange(before, now)
    if (change) changed.push({ name: key, change })
  }
  return { changed, identities }
}

/** The refusal of --resume for changed sources, naming them (the first 10). */
export function changedSourcesMessage(
  changed: readonly { name: string; change: string }[],
  checkpoint: string
): string {
  const shown = changed.slice(0, 10).map(({ name, change }) => `  ${name}: ${change}`)
  if (changed.length > shown.length) shown.push(`  and ${changed.length - shown.length} more`)
  return [
    `--resume: ${changed.length === 1 ? '1 source has' : `${changed.length} sources have`} changed since ${checkpoint} settled records of ${changed.length === 1 ? 'it' : 'them'}, so its record numbers may no longer point at the same events:`, // prettier-ignore
    ...shown,
    `Start over (delete ${checkpoint}), or add --resume-changed to take ${changed.length === 1 ? 'it' : 'them'} as ${changed.length === 1 ? 'it is' : 'they are'} now: records up to the numbers settled are not sent again.` // prettier-ignore
  ].join('\n')
}
