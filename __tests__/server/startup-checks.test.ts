import { spawn } from 'child_process'
import fs from 'fs'
import net from 'net'
import type { AddressInfo } from 'net'
import os from 'os'
import path from 'path'
import { nearestName } from '../../src/cli/nearest'
import { appendProblem, unknownVariables } from '../../src/server/startup-checks'

// What `npm start` checks before it listens (the dead-letter file, WOOPRA_* names, the port), run as a user runs it:
// the command line in its own process, its exit status and its log lines.

jest.setTimeout(60_000)

const ROOT = path.join(__dirname, '..', '..')
const tempDirs: string[] = []
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'server-checks-'))
  tempDirs.push(dir)
  return dir
}

/** The environment without any WOOPRA_* variable of the test's own process. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...extra }
  for (const name of Object.keys(env)) if (name.startsWith('WOOPRA_') && !(name in extra)) delete env[name]
  return env
}

/** Runs the command line until it listens (then stops it with SIGTERM) or exits by itself; its JSON log lines. */
async function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/server/cli.ts', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
    if (stdout.includes('"msg":"listening"')) child.kill('SIGTERM')
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exit) => resolve(exit)))
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { code, lines, stdout, stderr }
}

describe('npm start checks before it listens', () => {
  it.each([
    ['a missing folder', () => '/nonexistent/dir/x.jsonl', /^--dead-letters: \/nonexistent\/dir\/x\.jsonl cannot be created: the folder \/nonexistent\/dir does not exist\.$/], // prettier-ignore
    ['a folder', () => tempDir(), /^--dead-letters: \/.+ is a folder, not a file\.$/],
    ['a path under a file', () => path.join(tempFile(), 'x.jsonl'), /^--dead-letters: \/.+\/x\.jsonl cannot be created: a part of .+ is a file, not a folder\.$/] // prettier-ignore
  ])('exits 2 with one line when the dead-letter file is %s', async (_what, file, reason) => {
    const target = file()
    const run = await runCli(['--dry-run', '--dead-letters', target], { WOOPRA_PROJECT: 'example.com' })
    expect(run.code).toBe(2)
    expect(run.lines).toEqual([
      {
        time: expect.any(String),
        level: 'error',
        msg: 'cannot write dead letters',
        error: expect.stringMatching(reason)
      }
    ])
    expect(run.stdout.trim().split('\n')).toHaveLength(1)
    expect(fs.existsSync(path.join(target, 'x.jsonl'))).toBe(false)
  })

  it('takes a dead-letter file relative to the folder the command was typed in, and creates nothing at start', async () => {
    const typedIn = tempDir()
    const run = await runCli(['--dry-run', '--dead-letters', 'dead.jsonl'], {
      WOOPRA_PROJECT: 'example.com',
      npm_lifecycle_event: 'start',
      INIT_CWD: typedIn
    })
    expect(run.lines[0]).toMatchObject({ msg: 'listening', deadLetters: path.join(typedIn, 'dead.jsonl') })
    expect(fs.readdirSync(typedIn)).toEqual([])
  })

  it('warns of each WOOPRA_* variable it does not know, naming the nearest it knows, and starts', async () => {
    const run = await runCli(['--dry-run'], { WOOPRA_PROJECT: 'example.com', WOOPRA_DRYRUN: '1', WOOPRA_PROJET: 'x' })
    expect(run.lines.slice(0, 2)).toEqual([
      { time: expect.any(String), level: 'warn', msg: 'unknown environment variable', name: 'WOOPRA_DRYRUN', hint: 'Did you mean WOOPRA_DRY_RUN?' }, // prettier-ignore
      { time: expect.any(String), level: 'warn', msg: 'unknown environment variable', name: 'WOOPRA_PROJET', hint: 'Did you mean WOOPRA_PROJECT?' } // prettier-ignore
    ])
    expect(run.lines[2]).toMatchObject({ msg: 'listening' })
    // The value is never logged: it may be a write key.
    expect(run.stdout).not.toMatch(/"x"/)
  })

  it('suggests --port when the port is in use', async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const { port } = taken.address() as AddressInfo
    try {
      const run = await runCli(['--dry-run', '--port', String(port)], { WOOPRA_PROJECT: 'example.com' })
      expect(run.code).toBe(1)
      expect(run.lines).toEqual([
        {
          time: expect.any(String),
          level: 'error',
          msg: 'cannot listen',
          port,
          error: expect.stringContaining('EADDRINUSE'),
          hint: `Port ${port} is in use (another server?): choose another with --port <n> or PORT, or --port 0 for any free port.` // prettier-ignore
        }
      ])
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })
})

describe('startup checks', () => {
  it('finds the nearest known name, and leaves known and tooling variables alone', () => {
    expect(nearestName('WOOPRA_DEADLETTERS', ['WOOPRA_PROJECT', 'WOOPRA_DEAD_LETTERS'])).toBe('WOOPRA_DEAD_LETTERS')
    expect(nearestName('WOOPRA_WRITEKEY', ['WOOPRA_PROJECT', 'WOOPRA_WRITE_KEY'])).toBe('WOOPRA_WRITE_KEY')
    expect(nearestName('WOOPRA_porject', ['WOOPRA_DRY_RUN', 'WOOPRA_PROJECT'])).toBe('WOOPRA_PROJECT')
    const env = { WOOPRA_PROJECT: 'a', WOOPRA_REDIRECT_PORT: '1', WOOPRA_LOGPAYLOADS: '1', PATH: '/bin' }
    expect(unknownVariables(env)).toEqual([{ name: 'WOOPRA_LOGPAYLOADS', nearest: 'WOOPRA_LOG_PAYLOADS' }])
  })

  it('accepts a new file in a writable folder and an existing file', () => {
    const dir = tempDir()
    expect(appendProblem(path.join(dir, 'new.jsonl'))).toBeUndefined()
    fs.writeFileSync(path.join(dir, 'old.jsonl'), '')
    expect(appendProblem(path.join(dir, 'old.jsonl'))).toBeUndefined()
  })
})

function tempFile(): string {
  const file = path.join(tempDir(), 'a-file')
  fs.writeFileSync(file, '')
  return file
}
