import fs from 'fs'
import path from 'path'

/** The package's root folder. */
export const ROOT = path.join(__dirname, '..', '..')

/** README.md and every Markdown file under docs/, as paths relative to the package's root. */
export function documentationFiles(): string[] {
  const files = ['README.md']
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, folder), { withFileTypes: true })) {
      const relative = path.join(folder, entry.name)
      if (entry.isDirectory()) walk(relative)
      else if (entry.name.endsWith('.md')) files.push(relative)
    }
  }
  walk('docs')
  return files.sort()
}

export function readDoc(relativePath: string): string {
  return fs.readFileSync(path.join(ROOT, relativePath), 'utf8')
}

/** The text with every fenced code block blanked (its lines kept, so that line numbers stay right). */
export function withoutCodeBlocks(markdown: string): string {
  let fence: string | undefined
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1]
      if (fence === undefined && marker) {
        fence = marker
        return ''
      }
      if (fence !== undefined) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
          fence = undefined
        return ''
      }
      return line
    })
    .join('\n')
}

/** A heading's text as GitHub renders it: code spans, links and emphasis reduced to their text. */
function renderedText(heading: string): string {
  return heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*]/g, '')
    .trim()
}

/**
 * GitHub's anchor for a heading (github-slugger's rules): lower case, every character that is not a letter, mark,
 * digit, underscore, hyphen or space removed, each space a hyphen; a repeated anchor gets -1, -2, … in order.
 */
export function githubSlug(heading: string, seen: Map<string, number> = new Map()): string {
  const base = renderedText(heading)
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
  const count = seen.get(base) ?? 0
  seen.set(base, count + 1)
  return count === 0 ? base : `${base}-${count}`
}

/** Every anchor a Markdown file has on GitHub: one per ATX heading outside code blocks. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1]
    if (heading !== undefined) result.add(githubSlug(heading, seen))
  }
  return result
}

export interface MarkdownLink {
  target: string
  line: number
}

/** The inline links and images of a Markdown file, outside code blocks and code spans. */
export function links(markdown: string): MarkdownLink[] {
  const text = withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, (code) => code.replace(/[^\n]/g, ' '))
  const found: MarkdownLink[] = []
  const link = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g
  for (let match = link.exec(text); match; match = link.exec(text)) {
    found.push({ target: match[1], line: text.slice(0, match.index).split('\n').length })
  }
  return found
}
