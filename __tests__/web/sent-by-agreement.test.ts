import { TRACKER_COVERAGE_GLOBAL as publishedOn } from '../../src/browser-destinations/woopra-web/src/tracker-coverage'
import { SENT_BY_PATH as markedAt, TRACKER_COVERAGE_GLOBAL as readFrom } from '../../src/browser-destinations/woopra-plugins/src/woopraCookie/sent-by' // prettier-ignore
import {
  SENT_BY_PATH as skippedAt,
  SENT_BY_TRACKER,
  unlessSentByTracker
} from '../../src/destinations/woopra/sent-by-tracker'

// The three folders are separate drop-ins, each defining the names they share: they must agree, or events are sent
// twice (a mark the cloud does not read) or by nobody.

describe('who sends a browser event to Woopra', () => {
  it('is published by Woopra Web on the page global the cookie plugin reads', () => {
    expect(publishedOn).toBe(readFrom)
  })

  it('is marked where the cloud destination’s presets read it, with the value they leave out', () => {
    expect(markedAt).toBe(skippedAt)
    expect(SENT_BY_TRACKER).toBe('tracker')
    expect(unlessSentByTracker('track')).toBe(`type = "track" and ${skippedAt} != "${SENT_BY_TRACKER}"`)
  })
})
