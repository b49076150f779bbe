import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs'
import path from 'path'
import definition from '../../src/destinations/woopra'
import { parseCli, readSubscriptions } from '../../src/replay/cli'
import { checkFql } from '../../src/replay/fql'
import { Interrupts } from '../../src/replay/interrupt'
import { nearest } from '../../src/cli/nearest'
import { callerDirectory, checkWritable } from '../../src/replay/preflight'
import { expectExit, numberedEvents, removeTempDirs, spawnNpmReplay, spawnReplay, startFaultySink, summaryOf, tempDir, writeJsonLines } from '../__helpers__/replay' // prettier-ignore

// What is checked before the first event is read, and how the run is told: one line naming what is wrong (exit 2),
// no stack; an input with no event at all (exit 3); requests of a dry run in a file; paths from where the command was
// typed.

jest.setTimeout(120_000)
afterAll(removeTempDirs)

const parse = (args: string[]) => () => parseCli(args, {}, definition)

function subscriptionsFile(json: unknown): string {
  const file = path.join(tempDir(), 'subscriptions.json')
  writeFileSync(file, JSON.stringify(json))
  return file
}

describe('checks before the first event', () => {
  it('answers an unknown flag with the nearest known one, and a flag without its value plainly', () => {
    expect(parse(['--projet', 'example.com', 'e.jsonl'])).toThrow(/^Unknown option --projet\. Did you mean --project\?$/) // prettier-ignore
    expect(parse(['--project', 'example.com', '--dryrun', 'e.jsonl'])).toThrow(/^Unknown option --dryrun\. Did you mean --dry-run\?$/) // prettier-ignore
    expect(parse(['--project', 'example.com', '--checkpont=cp.json', 'e.jsonl'])).toThrow(/^Unknown option --checkpont\. Did you mean --checkpoint\?$/) // prettier-ignore
    expect(parse(['--project', 'example.com', '--zzzzzz', 'e.jsonl'])).toThrow(/^Unknown option --zzzzzz\.$/)
    expect(parse(['e.jsonl', '--project'])).toThrow(/^--project needs a value\.$/)
    expect(
      nearest(
        'concurency',
        ['--concurrency', '--checkpoint'].map((flag) => flag.slice(2))
      )
    ).toBe('concurrency')
  })

  it('names an unknown key of the settings file', () => {
    const file = path.join(tempDir(), 'settings.json')
    writeFileSync(file, JSON.stringify({ projet: 'example.com' }))
    const known = Object.keys(definition.authentication?.fields ?? {})
    expect(known).toContain('project')
    expect(parse(['--settings', file, 'e.jsonl'])).toThrow(`--settings: ${file} has an unknown setting "projet". Did you mean "project"? The settings are: ${known.join(', ')}.`) // prettier-ignore
    writeFileSync(file, JSON.stringify({ project: 'example.com' }))
    expect(parse(['--settings', file, 'e.jsonl'])()).toMatchObject({ settings: { project: 'example.com' } })
  })

  it('refuses a subscription whose mapping lacks a required field of its action, naming the field', () => {
    const lacking = subscriptionsFile([{ subscribe: 'type = "track"', partnerAction: 'trackEvent', mapping: { user_id: { '@path': '$.userId' } } }]) // prettier-ignore
    expect(() => readSubscriptions(lacking, definition)).toThrow(/^--subscriptions: subscription 1 \(trackEvent\): the mapping has no "event_name", a required field of Track Event; every event would fail\.$/) // prettier-ignore
    const misspelt = subscriptionsFile([{ subscribe: 'type = "identify"', partnerAction: 'identifyUser', mapping: {} }, { subscribe: 'type = "track"', partnerAction: 'trackEvent', mapping: { evnt_name: { '@path': '$.event' } } }]) // prettier-ignore
    expect(() => readSubscriptions(misspelt, definition)).toThrow(/subscription 2 \(trackEvent\): the mapping has no "event_name".*\("evnt_name" is not a field: a misspelling of "event_name"\?\)/) // prettier-ignore
    const complete = subscriptionsFile([{ subscribe: 'type = "track"', partnerAction: 'trackEvent', mapping: { event_name: { '@path': '$.event' } } }]) // prettier-ignore
    expect(readSubscriptions(complete, definition)).toHaveLength(1)
  })

  it('explains bad FQL in words, and refuses what the lenient parser would misread', () => {
    const fqlError = (subscribe: string) => {
      try {
        readSubscriptions(subscriptionsFile([{ subscribe, partnerAction: 'trackEvent', mapping: { event_name: 'x' } }]), definition) // prettier-ignore
      } catch (error) {
        return (error as Error).message
      }
      return 'accepted'
    }
    expect(fqlError('type = "track" and')).toBe('--subscriptions: subscription 1: "subscribe" is not valid FQL: "and" must be followed by a condition (in: type = "track" and).') // prettier-ignore
    expect(fqlError('typ = "track"')).toMatch(/unknown field "typ".*\(did you mean "type"\?\)/)
    expect(fqlError('type == "track"')).toMatch(/compare with "=", not "=="/)
    expect(fqlError('type = ')).toMatch(/type = needs a value after it/)
    expect(fqlError('type = "track" and event = "A" or type = "page"')).toMatch(/"and" and "or" are mixed without parentheses/) // prettier-ignore
    expect(fqlError('(type = "track"')).toMatch(/a "\(" is not closed with "\)"/)
    expect(fqlError('type = "tr')).toMatch(/the text value starting at character 8 is not closed/)
    expect(fqlError('type = "track" && event = "A"')).toMatch(/unexpected "&" at character 16 \(write "and"\)/)
    for (const message of ['typ = "track"', 'contains(', 'type = "track" and']) expect(fqlError(message)).not.toMatch(/undefined|properties of/) // prettier-ignore
    for (const good of [
      'type = "track"',
      'type = "track" and event = "Order Completed"',
      'event = "a" and (type = "track" or type = "page")',
      '!contains(event, "test") and properties.price >= 10',
      'match(context.page.url, "https://*")',
      'userId != null'
    ]) {
      // prettier-ignore
      expect([good, fqlError(good)]).toEqual([good, 'accepted'])
      expect(() => checkFql(good)).not.toThrow()
    }
  })

  it('checks state files before the run: a folder given for a file, a folder that does not exist', () => {
    const dir = tempDir()
    expect(() => checkWritable('--checkpoint', dir, 'replay-checkpoint.json')).toThrow(`--checkpoint: ${dir} is a folder; give a file, e.g. --checkpoint ${path.join(dir, 'replay-checkpoint.json')}.`) // prettier-ignore
    expect(() => checkWritable('--dead-letters', '/nonexistent/x.jsonl', 'x')).toThrow('--dead-letters: cannot write /nonexistent/x.jsonl: the folder /nonexistent does not exist.') // prettier-ignore
    writeFileSync(path.join(dir, 'file'), '')
    expect(() => checkWritable('--output', path.join(dir, 'file', 'r.jsonl'), 'x')).toThrow(/is not a folder/)
    expect(() => checkWritable('--checkpoint', path.join(dir, 'cp.json'), 'x')).not.toThrow()
  })

  it('exits 2 with one line and no stack for state files that cannot be written, before anything is sent', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'e.jsonl'), numberedEvents(3))
    mkdirSync(path.join(dir, 'state'))
    const cases: [string[], string][] = [
      [['--dead-letters', '/nonexistent/x.jsonl'], '--dead-letters: cannot write /nonexistent/x.jsonl: the folder /nonexistent does not exist.'], // prettier-ignore
      [['--checkpoint', '/nonexistent/cp.json'], '--checkpoint: cannot write /nonexistent/cp.json: the folder /nonexistent does not exist.'], // prettier-ignore
      [['--checkpoint', 'state'], `--checkpoint: state (${path.join(dir, 'state')}) is a folder; give a file, e.g. --checkpoint state/replay-checkpoint.json.`] // prettier-ignore
    ]
    const runs = cases.map(([args]) => spawnReplay(['--project', 'example.com', ...args, 'e.jsonl'], { cwd: dir }))
    for (const [index, run] of runs.entries()) {
      await expectExit(run, 2)
      expect(run.stderr).toBe(`${cases[index][1]}\n`)
    }
    expect(existsSync(path.join(dir, 'replay-dead-letters.jsonl'))).toBe(false)
  })
})

describe('an input with no event', () => {
  it('exits 3 with a message and keeps no checkpoint; --allow-empty makes it a success', async () => {
    const dir = tempDir()
    const archive = path.join(dir, 'archive')
    mkdirSync(archive)
    writeFileSync(path.join(archive, '_SUCCESS'), '')
    writeFileSync(path.join(archive, '.hidden.jsonl'), `${JSON.stringify(numberedEvents(1)[0])}\n`)
    const [empty, allowed] = [[], ['--allow-empty', '--checkpoint', 'other.json']].map((flags) =>
      spawnReplay(['--project', 'example.com', ...flags, 'archive'], { cwd: dir })
    )
    await expectExit(empty, 3)
    expect(summaryOf(empty.stderr)).toMatchObject({ read: 0, complete: true })
    expect(empty.stderr).toMatch(`\nNo event found in archive (${archive}): nothing was sent (exit 3). If an empty input is expected, add --allow-empty.\n`) // prettier-ignore
    expect(existsSync(path.join(dir, 'replay-checkpoint.json'))).toBe(false)
    await expectExit(allowed, 0)
    expect(allowed.stderr).not.toMatch(/No event found/)
  })
})

describe('clean output and the caller’s directory', () => {
  it('--output writes the dry run’s requests to a file (never read back as input); stdout stays empty', async () => {
    const dir = tempDir()
    writeJsonLines(path.join(dir, 'e.jsonl'), numberedEvents(5))
    const run = spawnReplay(['--project', 'example.com', '--dry-run', '--output', 'requests.jsonl', '.'], { cwd: dir })
    await expectExit(run, 0)
    expect(run.stdout).toBe('')
    const lines = readFileSync(path.join(dir, 'requests.jsonl'), 'utf8').trim().split('\n')
    expect(lines.map((line) => (JSON.parse(line) as { record: number }).record)).toEqual([1, 2, 3, 4, 5].filter((seq) => seq % 7 !== 6)) // prettier-ignore
    // A second run in the same folder does not read the first run's requests as events.
    const again = spawnReplay(['--project', 'example.com', '--dry-run', '--output', 'requests.jsonl', '.'], { cwd: dir }) // prettier-ignore
    await expectExit(again, 0)
    expect(summaryOf(again.stderr).read).toBe(5)
    expect(parse(['--project', 'example.com', '--output', 'r.jsonl', 'e.jsonl'])).toThrow(/^--output writes the requests of a dry run: add --dry-run/) // prettier-ignore
  })

  it('under npm, inputs and state files are relative to where the command was typed, defaults land there', async () => {
    expect(callerDirectory({ npm_lifecycle_event: 'replay', INIT_CWD: '/typed/here' }, '/package')).toBe('/typed/here') // prettier-ignore
    expect(callerDirectory({ npm_lifecycle_event: 'test', INIT_CWD: '/elsewhere' }, '/package')).toBe('/package')
    const woopra = await startFaultySink()
    try {
      const dir = tempDir()
      mkdirSync(path.join(dir, 'archive'))
      writeJsonLines(path.join(dir, 'archive', 'e.jsonl'), numberedEvents(4))
      const run = spawnNpmReplay(['--project', 'example.com', './archive/'], { cwd: dir, port: woopra.port })
      await expectExit(run, 0)
      expect(summaryOf(run.stderr)).toMatchObject({ read: 4, delivered: 4, checkpoint: 'replay-checkpoint.json' }) // prettier-ignore
      expect(woopra.requests).toHaveLength(4)
      expect(existsSync(path.join(dir, 'replay-checkpoint.json'))).toBe(true)
      expect(existsSync(path.join(dir, 'replay-dead-letters.jsonl'))).toBe(true)
      const missing = spawnNpmReplay(['--project', 'example.com', './nothing-here/'], { cwd: dir })
      await expectExit(missing, 2)
      expect(missing.stderr).toBe(`Cannot read ./nothing-here/ (${path.join(dir, 'nothing-here')}): no such file or folder.\n`) // prettier-ignore
    } finally {
      await woopra.close()
    }
  })
})

describe('Ctrl+C', () => {
  it('counts signals closer than a second as one, and a later one as a second Ctrl+C', () => {
    const interrupts = new Interrupts(1000)
    expect(interrupts.receive(10_000)).toBe('first')
    expect(interrupts.receive(10_003)).toBe('same')
    expect(interrupts.receive(10_999)).toBe('same')
    expect(interrupts.receive(11_000)).toBe('again')
  })
})
