import path from 'path'
import { spawnSync } from 'child_process'
import { readDoc } from '../__helpers__/markdown'

// The flag tables of docs/local-server.md and docs/backfill.md list exactly the flags the commands' --help lists: a
// flag added to a command without its row (or a row left for a flag removed) fails here.

jest.setTimeout(60000)

const ROOT = path.join(__dirname, '..', '..')

/** The long flags a command's --help lists (its option lines start with two spaces and a flag). */
function helpFlags(entry: string): string[] {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', entry, '--help'], {
    cwd: ROOT,
    encoding: 'utf8'
  })
  expect(result.status).toBe(0)
  const optionLines = result.stdout.split('\n').filter((line) => /^ {2}(-\w, )?--[a-z]/.test(line))
  return optionLines.map((line) => /--[a-z][a-z0-9-]*/.exec(line)?.[0] ?? '').filter((flag) => flag !== '--help')
}

/** The long flags in the first column of the table whose header starts with `| <firstHeader>`. */
function tableFlags(doc: string, firstHeader: string): string[] {
  const lines = readDoc(doc).split('\n')
  const start = lines.findIndex((line) => line.startsWith(`| ${firstHeader} `))
  expect(start).toBeGreaterThanOrEqual(0)
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'))
  const rows = lines.slice(start + 2, end < 0 ? undefined : end)
  return rows.flatMap((row) => row.split('|')[1].match(/--[a-z][a-z0-9-]*/g) ?? [])
}

describe('documented flags', () => {
  it.each([
    ['docs/local-server.md', 'npm start', 'option', 'src/server/cli.ts'],
    ['docs/backfill.md', 'npm run replay', 'flag', 'src/replay/cli.ts']
  ])('%s lists the flags of `%s -- --help`', (doc, _command, header, entry) => {
    expect(tableFlags(doc, header).sort()).toEqual(helpFlags(entry).sort())
  })
})
