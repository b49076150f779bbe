import fs from 'fs'
import path from 'path'
import { ROOT, anchors, documentationFiles, githubSlug, links, readDoc } from '../__helpers__/markdown'

// Every relative link in README.md and docs/ must lead somewhere: the file exists, and an anchor names a heading of
// that file as GitHub spells it. Links to other sites, and site-absolute paths (the catalog drafts link to pages of
// Segment's documentation site), are not checked: the tests have no network.

/** A link this test cannot check here. */
function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/') || target.startsWith('{{')
}

/** What is wrong with one relative link of a file, or undefined when it resolves. */
function problem(file: string, target: string): string | undefined {
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined]
  const resolved = pathPart === '' ? file : path.join(path.dirname(file), decodeURIComponent(pathPart))
  if (!fs.existsSync(path.join(ROOT, resolved))) return `${resolved} does not exist`
  if (anchor === undefined) return undefined
  if (!resolved.endsWith('.md')) return `an anchor into ${resolved}, which is not Markdown`
  return anchors(readDoc(resolved)).has(anchor) ? undefined : `${resolved} has no heading #${anchor}`
}

describe('documentation links', () => {
  const files = documentationFiles()

  it('finds README.md and the docs/ files', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', path.join('docs', 'cloud-destination.md')]))
  })

  it.each(files)('every relative link and anchor in %s resolves', (file) => {
    const relative = links(readDoc(file)).filter((link) => !isExternal(link.target))
    const broken = relative.flatMap(({ target, line }) => {
      const reason = problem(file, target)
      return reason ? [`${file}:${line} ${target}: ${reason}`] : []
    })
    expect(broken).toEqual([])
  })

  it('README.md links to every docs/ file', () => {
    const linked = new Set(
      links(readDoc('README.md'))
        .filter((link) => !isExternal(link.target))
        .map((link) => path.normalize(link.target.split('#')[0]))
    )
    const docs = files.filter((file) => file.startsWith('docs') && !file.startsWith(path.join('docs', 'catalog')))
    expect(docs.filter((file) => !linked.has(file))).toEqual([])
  })
})

describe('the link checker', () => {
  it('spells anchors as GitHub does', () => {
    const seen = new Map<string, number>()
    expect(githubSlug("With Segment's Actions Tester", seen)).toBe('with-segments-actions-tester')
    expect(githubSlug('Replay (`npm run bench -- --replay`)', seen)).toBe('replay-npm-run-bench------replay')
    expect(githubSlug('Track Event (`trackEvent`) → `GET https://www.woopra.com/track/ce`', seen)).toBe(
      'track-event-trackevent--get-httpswwwwoopracomtrackce'
    )
    expect(githubSlug('Stop, crash, resume', seen)).toBe('stop-crash-resume')
    expect(githubSlug('Stop, crash, resume', seen)).toBe('stop-crash-resume-1')
  })

  it('reads headings and links outside code only', () => {
    const markdown = [
      '# Title',
      '```sh',
      '# not a heading [nor](a-link.md)',
      '```',
      'See [the part](#a-part) and `[code](x.md)`, ![an',
      'image](images/x.png).',
      '## A part'
    ].join('\n')
    expect([...anchors(markdown)]).toEqual(['title', 'a-part'])
    expect(links(markdown)).toEqual([
      { target: '#a-part', line: 5 },
      { target: 'images/x.png', line: 5 }
    ])
  })

  it('reports a missing file and a missing anchor', () => {
    expect(problem('README.md', 'docs/nowhere.md')).toBe('docs/nowhere.md does not exist')
    expect(problem('README.md', 'docs/backfill.md#nowhere')).toBe('docs/backfill.md has no heading #nowhere')
    expect(problem(path.join('docs', 'browser.md'), 'backfill.md#order')).toBeUndefined()
  })
})
