import fs from 'fs'
import path from 'path'
import nock from 'nock'
import { createTestIntegration } from '@segment/actions-core'
import type { JSONArray, SegmentEvent } from '@segment/actions-core'
import Destination from '../src/destinations/woopra'

// The README shows one example event per action and the exact Woopra request it produces. This keeps them true: each
// example event goes through the destination with its presets, and the request must be the one the README shows.

interface ReadmeExample {
  actionKey: string
  event: SegmentEvent
  requestLine: string
  userAgent: string
}

function readmeExamples(): ReadmeExample[] {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const sections = readme.split(/^### /m).slice(1)
  const examples: ReadmeExample[] = []
  for (const section of sections) {
    const actionKey = /^[^\n]*\(`(\w+)`\)/.exec(section)?.[1]
    const event = /```json\n([\s\S]*?)\n```/.exec(section)?.[1]
    const request = /```http\n([\s\S]*?)\n```/.exec(section)?.[1]
    if (!actionKey || !event || !request) continue
    const [requestLine, userAgentLine] = request.split('\n')
    examples.push({
      actionKey,
      event: JSON.parse(event) as SegmentEvent,
      requestLine,
      userAgent: userAgentLine.replace(/^User-Agent: /, '')
    })
  }
  return examples
}

const examples = readmeExamples()
const testDestination = createTestIntegration(Destination)
const settings = { project: 'example.com', subscriptions: Destination.presets as unknown as JSONArray }

describe('README examples', () => {
  it('shows one example for each action', () => {
    expect(examples.map((example) => example.actionKey).sort()).toEqual(Object.keys(Destination.actions).sort())
  })

  it.each(examples.map((example) => [example.actionKey, example]))(
    'the %s example event produces exactly the request the README shows',
    async (_actionKey, example) => {
      nock('https://www.woopra.com').get(/.*/).reply(200, '')
      testDestination.responses = []

      await testDestination.onEvent(example.event, settings)

      expect(testDestination.responses).toHaveLength(1)
      const request = testDestination.responses[0].request
      expect(`${request.method} ${request.url}`).toBe(example.requestLine)
      expect(request.headers.get('user-agent')).toBe(example.userAgent)
    }
  )
})
