import fs from 'fs'
import path from 'path'
import ts from 'typescript'

// "Functions stay short enough to read at once (about 80 lines at most)": every function in src/ (tests aside),
// measured from its first line to its last.

const ROOT = path.join(__dirname, '..')
const MAX_LINES = 80
/** Known to be longer, each to be split on its own branch; an entry that is no longer long must be removed. */
const KNOWN_LONG = new Set<string>([])

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(folder, entry.name)
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sourceFiles(relative)
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : []
  })
}

function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node }
  if (named.name) return named.name.getText()
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText()
  return '<anonymous>'
}

function longFunctions(file: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true) // prettier-ignore
  const found: { name: string; lines: number }[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line
      const last = source.getLineAndCharacterOfPosition(node.end).line
      if (last - first + 1 > MAX_LINES) found.push({ name: `${file}: ${nameOf(node)}`, lines: last - first + 1 })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

it(`no function in src/ is longer than ${MAX_LINES} lines`, () => {
  const long = sourceFiles('src').flatMap(longFunctions)
  expect(long.filter(({ name }) => !KNOWN_LONG.has(name))).toEqual([])
  expect([...KNOWN_LONG].filter((name) => !long.some((found) => found.name === name))).toEqual([])
})
