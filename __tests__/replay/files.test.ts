import { readFileSync, writeFileSync } from 'fs'
import path from 'path'
import { gzipSync } from 'zlib'
import { jsonArrayElements, jsonLines } from '../../src/replay/records'
import type { RawRecord } from '../../src/replay/records'
import { listSources, readRecords } from '../../src/replay/sources'
import { CheckpointWriter, loadCheckpoint } from '../../src/replay/checkpoint'
import { fnv1a, parseShard, shardOf } from '../../src/replay/shard'
import { removeTempDirs, tempDir } from '../__helpers__/replay'

// Cutting sources into records, whatever the chunking; the checkpoint's file; the shard hash.

async function* chunksOf(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8')
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size)
}

async function collect(records: AsyncIterable<RawRecord>): Promise<RawRecord[]> {
  const out: RawRecord[] = []
  for await (const record of records) out.push(record)
  return out
}

afterAll(removeTempDirs)

describe('JSON lines', () => {
  const text = '\ufeff{"a":"é"}\r\n\n  \n{"b":2}\n{"c":3}'
  it.each([1, 2, 3, 7, 1000])(
    'cuts lines at any chunk size (%d bytes), skipping blank lines and a BOM',
    async (size) => {
      expect(await collect(jsonLines(chunksOf(text, size)))).toEqual([
        { record: 1, line: 1, text: '{"a":"é"}' },
        { record: 4, line: 4, text: '{"b":2}' },
        { record: 5, line: 5, text: '{"c":3}' }
      ])
    }
  )

  it('reports a line longer than the bound without holding it, and goes on', async () => {
    const long = `{"x":"${'y'.repeat(5000)}"}`
    expect(await collect(jsonLines(chunksOf(`{"a":1}\n${long}\n{"b":2}\n${long}`, 333), 1000))).toEqual([
      { record: 1, line: 1, text: '{"a":1}' },
      { record: 2, line: 2, problem: 'The line is longer than 1000 bytes.', problemClass: 'RecordTooLarge' },
      { record: 3, line: 3, text: '{"b":2}' },
      { record: 4, line: 4, problem: 'The line is longer than 1000 bytes.', problemClass: 'RecordTooLarge' }
    ])
  })
})

describe('JSON array', () => {
  const text = '[\n {"a":"x,]}\\"["},\n  {"b":[1,{"c":2}]} ,\n  42,\n  {"bad": tru},\n  {"é":"ü"}\n]\n'
  it.each([1, 2, 5, 1000])(
    'cuts elements at any chunk size (%d bytes), with brackets and commas in strings',
    async (size) => {
      expect(await collect(jsonArrayElements(chunksOf(text, size)))).toEqual([
        { record: 1, line: 2, text: '{"a":"x,]}\\"["}' },
        { record: 2, line: 3, text: '{"b":[1,{"c":2}]}' },
        { record: 3, line: 4, text: '42' },
        { record: 4, line: 5, text: '{"bad": tru}' },
        { record: 5, line: 6, text: '{"é":"ü"}' }
      ])
    }
  )

  it('reads an empty array, and refuses text after it or an array that is not closed', async () => {
    expect(await collect(jsonArrayElements(chunksOf(' [ ] ', 2)))).toEqual([])
    await expect(collect(jsonArrayElements(chunksOf('[{"a":1}] x', 3)))).rejects.toThrow(
      /after the end of the JSON array/
    )
    const cut = jsonArrayElements(chunksOf('[{"a":1},{"b":', 4))
    const seen: RawRecord[] = []
    await expect(
      (async () => {
        for await (const record of cut) seen.push(record)
      })()
    ).rejects.toThrow(/not closed/)
    expect(seen).toEqual([
      { record: 1, line: 1, text: '{"a":1}' },
      { record: 2, line: 1, problem: 'The JSON array ends in the middle of this element.', problemClass: 'RecordCut' }
    ])
  })
})

describe('sources', () => {
  it('walks folders in name order, reads a file once however often named, leaves out hidden files and the replay’s own files, and reads gzip by content', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'b.json'), '[{"n":2}]')
    writeFileSync(path.join(dir, 'a.log'), gzipSync('{"n":1}\n'))
    writeFileSync(path.join(dir, '.hidden.jsonl'), '{"n":0}\n')
    writeFileSync(path.join(dir, 'replay-checkpoint.shard-1-of-2.json'), '{}\n')
    writeFileSync(path.join(dir, 'replay-dead-letters.jsonl'), '{}\n')
    writeFileSync(path.join(dir, 'mine.json'), '{}\n')
    const sources = await listSources([dir, path.join(dir, 'b.json')], new Set([path.join(dir, 'mine.json')]))
    expect(sources.map((source) => path.basename(source.name))).toEqual(['a.log', 'b.json'])
    let bytes = 0
    const records = await collect(readRecords(sources[0], (n) => (bytes += n)))
    expect(records).toEqual([{ record: 1, line: 1, text: '{"n":1}' }])
    expect(bytes).toBe(readFileSync(path.join(dir, 'a.log')).length)
    expect(await collect(readRecords(sources[1], () => undefined))).toEqual([{ record: 1, line: 1, text: '{"n":2}' }])
  })

  it('refuses a binary source as a whole, plain or gzipped, instead of reading its bytes as lines', async () => {
    const dir = tempDir()
    const binary = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00\n', 'latin1'), Buffer.alloc(3000, 0x41)])
    writeFileSync(path.join(dir, 'archive.zip'), binary)
    writeFileSync(path.join(dir, 'archive.zip.gz'), gzipSync(binary))
    const sources = await listSources([dir])
    expect(sources.map((source) => path.basename(source.name))).toEqual(['archive.zip', 'archive.zip.gz'])
    for (const source of sources) {
      await expect(collect(readRecords(source, () => undefined))).rejects.toMatchObject({
        name: 'NotTextError',
        message: expect.stringMatching(/^The source is not text/) as unknown
      })
    }
  })

  it('fails a corrupt gzip after the records before the damage', async () => {
    const dir = tempDir()
    const zipped = gzipSync(Array.from({ length: 2000 }, (_, i) => `{"n":${i}}`).join('\n'))
    writeFileSync(path.join(dir, 'cut.gz'), zipped.subarray(0, zipped.length - 20))
    const [source] = await listSources([path.join(dir, 'cut.gz')])
    const seen: RawRecord[] = []
    await expect(
      (async () => {
        for await (const record of readRecords(source, () => undefined)) seen.push(record)
      })()
    ).rejects.toThrow(/unexpected end of file/)
    expect(seen.length).toBeGreaterThan(100)
    expect(seen[0]).toEqual({ record: 1, line: 1, text: '{"n":0}' })
  })
})

describe('checkpoint', () => {
  it('keeps what settled, in any order, through a journal and snapshots; ignores a line cut by a crash', () => {
    const file = path.join(tempDir(), 'checkpoint.json')
    const writer = new CheckpointWriter(file, '1/4')
    const a = writer.open('/data/a.jsonl')
    for (const record of [1, 2, 3, 5, 6, 8]) a.read(record, true)
    a.read(9, false) // another shard's: settled as soon as what is before it is
    for (const record of [2, 1, 6, 8]) writer.settled(a, record)
    // Journal only (as after kill -9), plus half a line.
    writeFileSync(file, readFileSync(file, 'utf8') + '[0,')
    const loaded = loadCheckpoint(file)
    expect(loaded?.shard).toBe('1/4')
    const records = loaded?.sources.get('/data/a.jsonl')
    expect(records?.settled).toBe(2)
    expect([...(records?.above ?? [])].sort()).toEqual([6, 8])

    // A snapshot: everything read before the first open record (3) is settled; 6 and 8 after it.
    const writer2 = new CheckpointWriter(file, '1/4', loaded)
    const b = writer2.open('/data/a.jsonl')
    expect([1, 2, 3, 6, 8, 9].map((record) => b.settledBefore(record))).toEqual([true, true, false, true, true, false])
    for (const record of [3, 5, 9]) b.read(record, true)
    writer2.settled(b, 3)
    writer2.compact()
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[0])).toEqual({
      version: 1,
      shard: '1/4',
      sources: { '/data/a.jsonl': { id: 0, settled: 4, above: [6, 8], done: false } }
    })
    writer2.settled(b, 5)
    writer2.settled(b, 9)
    b.finishedReading = true
    writer2.finished(b)
    writer2.close()
    // Done: with its records of this shard and of others, as this run counted them (none were counted here).
    expect(loadCheckpoint(file)?.sources.get('/data/a.jsonl')).toEqual({ settled: 9, above: new Set(), done: true, own: 0, other: 0 }) // prettier-ignore
  })
})

describe('shards', () => {
  it('hashes with 32-bit FNV-1a, the same everywhere', () => {
    expect(fnv1a('')).toBe(0x811c9dc5)
    expect(fnv1a('a')).toBe(0xe40c292c)
    expect(fnv1a('foobar')).toBe(0xbf9cf968)
    expect(shardOf('foobar', 4)).toBe(0xbf9cf968 % 4)
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 })
    expect(() => parseShard('1/1')).toThrow(RangeError)
    expect(() => parseShard('-1/2')).toThrow(RangeError)
  })
})
