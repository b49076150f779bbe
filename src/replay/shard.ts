/** `--shard K/N`: this process sends the visitors whose key hashes to K of N (K from 0, as Kubernetes counts). */
export interface Shard {
  index: number
  count: number
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = match ? Number(match[1]) : NaN
  const count = match ? Number(match[2]) : NaN
  if (!match || !(count >= 1) || !(index < count) || count > 100_000) {
    throw new RangeError(`--shard takes K/N with 0 ≤ K < N, for example 0/4 (got "${text}").`)
  }
  return { index, count }
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`
}

/** 32-bit FNV-1a of the UTF-8 bytes: stable across machines, processes and Node versions. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

export function shardOf(key: string, count: number): number {
  return fnv1a(key) % count
}
