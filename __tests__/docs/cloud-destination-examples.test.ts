import nock from 'nock'
import { createTestIntegration } from '@segment/actions-core'
import type { JSONArray, SegmentEvent } from '@segment/actions-core'
import Destination from '../../src/destinations/woopra'
import { readDoc } from '../__helpers__/markdown'

// docs/cloud-destination.md shows one example event per action and the exact Woopra request it produces. This keeps
// them true: each example event goes through the destination with its presets, and the request must be the one shown.

interface DocumentedExample {
  actionKey: string
  event: SegmentEvent
  requestLine: string
  userAgent: string
}

function documentedExamples(): DocumentedExample[] {
  const sections = readDoc('docs/cloud-destination.md').split(/^### /m).slice(1)
  const examples: DocumentedExample[] = []
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

const examples = documentedExamples()
const testDestination = createTestIntegration(Destination)
const settings = { project: 'example.com', subscriptions: Destination.presets as unknown as JSONArray }

describe('docs/cloud-destination.md examples', () => {
  it('shows one example for each action', () => {
    expect(examples.map((example) => example.actionKey).sort()).toEqual(Object.keys(Destination.actions).sort())
  })

  it.each(examples.map((example) => [example.actionKey, example]))(
    'the %s example event produces exactly the request shown',
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
