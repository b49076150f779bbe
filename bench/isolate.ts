import type { ActionDefinition, JSONObject, RequestClient, SegmentEvent } from '@segment/actions-core'
import { buildFloorRequest } from './floor'
import { loadWoopra, PROJECT } from './paths'
import { spread } from './stats'
import type { Spread } from './stats'

// Our code alone, without the framework or the network: each action's `perform` (with the payload the preset's
// mapping gives, computed once up front) against a request function that answers at once, next to the floor's
// hand-built request with the same stub. The difference is what our own code costs beyond building the request.

export interface IsolatedResult {
  oursUsPerEvent: Spread
  floorUsPerEvent: Spread
  /** Ours minus the floor, per event, paired by round. */
  beyondFloorUsPerEvent: Spread
  rounds: number
}

type AnyAction = ActionDefinition<{ project: string }, JSONObject>

const stubResponse = { ok: true, status: 200, statusText: 'OK', content: '' }

export async function measureIsolated(events: readonly SegmentEvent[], rounds = 15): Promise<IsolatedResult> {
  const { transform } = await import('@segment/actions-core')
  const definition = await loadWoopra()
  const settings = { project: PROJECT }
  let bytes = 0
  const request = async (url: string) => {
    bytes += url.length
    return stubResponse
  }

  const jobs = events.map((event) => {
    const preset = (definition.presets ?? []).find(
      (p) => p.type === 'automatic' && p.subscribe === `type = "${event.type}"`
    )
    if (!preset?.mapping) throw new Error(`no preset for ${event.type}`)
    const action = definition.actions[preset.partnerAction] as unknown as AnyAction
    return { action, payload: transform(preset.mapping, event as unknown as JSONObject) }
  })

  const ours = async () => {
    for (const { action, payload } of jobs) {
      const data = { payload, settings } as unknown as Parameters<AnyAction['perform']>[1]
      await action.perform(request as unknown as RequestClient, data)
    }
  }
  const floor = async () => {
    for (const event of events) {
      const { url } = buildFloorRequest(PROJECT, event)
      await request(url)
    }
  }
  const time = async (fn: () => Promise<void>) => {
    const start = process.hrtime.bigint()
    await fn()
    return Number(process.hrtime.bigint() - start) / 1000 / events.length
  }

  await ours() // warm-up
  await floor()
  const oursUs: number[] = []
  const floorUs: number[] = []
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that neither side always runs right after a collection.
    if (round % 2) {
      oursUs.push(await time(ours))
      floorUs.push(await time(floor))
    } else {
      floorUs.push(await time(floor))
      oursUs.push(await time(ours))
    }
  }
  if (bytes === 0) throw new Error('nothing was built')
  return {
    oursUsPerEvent: spread(oursUs),
    floorUsPerEvent: spread(floorUs),
    beyondFloorUsPerEvent: spread(oursUs.map((us, i) => us - floorUs[i])),
    rounds
  }
}

export function formatIsolated(result: IsolatedResult): string {
  const f = (s: Spread) => `${s.median.toFixed(1)} µs/event (${s.min.toFixed(1)}–${s.max.toFixed(1)})`
  return [
    `our code alone (perform + request building, mapped payloads, stub request), median of ${result.rounds} rounds:`,
    `  ours:                     ${f(result.oursUsPerEvent)}`,
    `  floor (hand-built):       ${f(result.floorUsPerEvent)}`,
    `  ours beyond the floor:    ${f(result.beyondFloorUsPerEvent)}`
  ].join('\n')
}
