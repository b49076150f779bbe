import path from 'path'
import { spawnSync } from 'child_process'
import { helpText, parseArguments, UsageError } from '../src/tools/cli'
import type { ToolCommand } from '../src/tools/cli'

// The npm scripts of the tools as a user runs them: --help, a wrong option, a wrong folder. Never a stack trace.

jest.setTimeout(60000)

const PACKAGE_ROOT = path.resolve(__dirname, '..')

function tool(script: string, ...args: string[]) {
  const argv = ['-r', 'ts-node/register/transpile-only', `src/tools/${script}.ts`, ...args]
  return spawnSync(process.execPath, argv, { cwd: PACKAGE_ROOT, encoding: 'utf8' })
}

describe.each([
  ['types', 'types', "exactly as the actions CLI's `generate:types` writes it"],
  ['metadata', 'metadata', "exactly as the actions CLI's `generate:metadata-payload` writes it"],
  ['validate', 'validate', "as the actions CLI's `validate` and `validate-secret-fields` commands do"],
  ['check-dropin', 'check:dropin', 'laid out like segmentio/action-destinations']
])('src/tools/%s.ts (npm run %s)', (file: string, script: string, summary: string) => {
  it('prints its usage for --help and exits 0', () => {
    const result = tool(file, '--help')
    expect(result.status).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout.startsWith(`Usage: npm run ${script} -- [options] [folder...]\n`)).toBe(true)
    expect(result.stdout).toContain(summary)
    expect(result.stdout).toContain('Default: src/destinations/woopra and both packages in src/browser-destinations.')
  })

  it('refuses an unknown option with a pointer to --help, exit status 2', () => {
    const result = tool(file, '--nope')
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `npm run ${script}: unknown option --nope\nRun \`npm run ${script} -- --help\` for usage.\n`
    )
  })
})

describe('a wrong folder', () => {
  it('is refused with what a destination folder holds, without a stack trace', () => {
    const result = tool('types', 'no/such/folder')
    expect(result.status).toBe(2)
    expect(result.stderr).toBe(
      'npm run types: no/such/folder is not a destination folder: expected an index.ts (a cloud destination) or a package.json with src/index.ts (a web destination).\nRun `npm run types -- --help` for usage.\n'
    )
  })
})

describe('npm run types and npm run metadata -- --check', () => {
  it.each(['types', 'metadata'])(
    '%s: every committed file is up to date, for all three destinations',
    (file: string) => {
      const result = tool(file, '--check')
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(result.stdout).toContain('unchanged src/browser-destinations/woopra-web/')
      expect(result.stdout).toContain('unchanged src/browser-destinations/woopra-plugins/')
      expect(result.stdout).toContain('unchanged src/destinations/woopra/')
      expect(result.stdout).not.toMatch(/wrote|stale/)
    }
  )
})

describe('an unexpected error', () => {
  it('is one line, with the stack only under --debug', () => {
    // A folder whose index.ts throws when it is loaded.
    const broken = path.join('__tests__', '__helpers__', 'broken-destination')
    const plain = tool('validate', broken)
    expect(plain.status).toBe(1)
    expect(plain.stderr).toBe('✖ npm run validate: this destination cannot be loaded\n')
    const debug = tool('validate', broken, '--debug')
    expect(debug.status).toBe(1)
    expect(debug.stderr).toMatch(/^Error: this destination cannot be loaded\n\s+at /)
  })
})

describe('parseArguments and helpText', () => {
  const command: ToolCommand = {
    script: 'example',
    summary: 'Does an example.',
    argumentsUsage: '[folder...]',
    argumentsHelp: 'folder  where to look',
    options: { '--check': 'write nothing' }
  }

  it.each([['-h'], ['--help'], ['help']])('asks for help with %s, wherever it stands', (flag: string) => {
    expect(parseArguments(['a', '--check', flag, '--nope'], command)).toBe('help')
  })

  it('separates folders from known options, and refuses unknown ones', () => {
    expect(parseArguments(['a', '--check', 'b', '--debug'], command)).toEqual({
      paths: ['a', 'b'],
      options: new Set(['--check', '--debug'])
    })
    expect(() => parseArguments(['--chek'], command)).toThrow(new UsageError('unknown option --chek'))
  })

  it('lists usage, summary, arguments, then the options with the common ones', () => {
    expect(helpText(command)).toBe(
      [
        'Usage: npm run example -- [options] [folder...]',
        '',
        'Does an example.',
        '',
        'folder  where to look',
        '',
        'Options:',
        '  --check     write nothing',
        '  -h, --help  show this help and exit',
        '  --debug     print the stack trace of an unexpected error',
        ''
      ].join('\n')
    )
  })
})
