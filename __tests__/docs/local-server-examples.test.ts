import { serverForSuite } from '../__helpers__/actions-server'
import { keepDryRunOffTheNetwork } from '../__helpers__/dry-run'
import { readDoc } from '../__helpers__/markdown'

// The examples of docs/local-server.md are real: each curl example is sent to a dry-run server, and the log lines the
// page shows must be the ones the server writes (time, duration and generated message ID aside), redacted as they
// are by default. The listening line must list the routes the server serves.

jest.setTimeout(30000)

const page = readDoc('docs/local-server.md')

/** The text of a `## ` or `### ` section, from its heading to the next heading. */
function section(heading: string): string {
  const start = page.indexOf(heading)
  expect(start).toBeGreaterThanOrEqual(0)
  const rest = page.slice(start + heading.length)
  const end = rest.search(/^#{2,3} /m)
  return end < 0 ? rest : rest.slice(0, end)
}

/** The JSON lines of a code block, whose lines the page wraps with a leading space. */
function logLines(block: string): Record<string, unknown>[] {
  return block
    .replace(/\n /g, '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

function example(heading: string) {
  const text = section(heading)
  const curl = /curl -s http:\/\/127\.0\.0\.1:3000(\S+) ([^\n]*?)-d '([\s\S]*?)'\n```/.exec(text)
  const printed = /and the server prints:\s*```\n([\s\S]*?)\n```/.exec(text)
  if (!curl || !printed) throw new Error(`No curl example or printed log in "${heading}"`)
  return { path: curl[1], body: curl[3], lines: logLines(printed[1]) }
}

/** A log line without what changes from run to run. */
function stable(entry: Record<string, unknown>) {
  const { time: _time, durationMs: _durationMs, messageId, ...rest } = entry
  return { ...rest, ...(messageId === undefined ? {} : { messageId: String(messageId).replace(/^api-.*/, 'api-…') }) }
}

const running = serverForSuite({ settings: { project: 'example.com' }, dryRun: true })

keepDryRunOffTheNetwork()

describe('docs/local-server.md examples', () => {
  it.each(["## Run an action, as with the actions CLI's `serve`", '## Send events as a Segment source would'])(
    'the log lines of "%s" are the server’s',
    async (heading) => {
      const { path: route, body, lines } = example(heading)
      expect(lines.length).toBeGreaterThan(0)
      const { status } = await running.post(route, body)
      expect(status).toBe(200)
      await running.logged((entry) => entry.msg === 'event')
      expect(running.logs.map(stable)).toEqual(lines.map(stable))
    }
  )

  it('the listening line lists the routes served', () => {
    const [listening] = logLines(/prints one JSON line \(wrapped here\):\s*```\n([\s\S]*?)\n```/.exec(page)?.[1] ?? '')
    expect(listening).toMatchObject({ msg: 'listening', url: 'http://127.0.0.1:3000', routes: running.server.routes })
  })
})
