import { readFileSync } from 'fs'
import path from 'path'

// Reads a V8 .cpuprofile (node --cpu-prof) and summarizes the measured window only (startup, ts-node's
// transpiling and the warm-up are cut off): self time by function, time by stage of the event's journey, and the
// functions of our destination with their inclusive time.

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface Window {
  startUs: number
  endUs: number
}

const ROOT = path.resolve(__dirname, '..')
const OUR_CODE = `${path.sep}src${path.sep}destinations${path.sep}woopra${path.sep}`

function shortUrl(url: string): string {
  if (!url) return ''
  const file = url.startsWith('file://') ? url.slice(7) : url
  const nodeModules = file.lastIndexOf('node_modules/')
  if (nodeModules !== -1) return file.slice(nodeModules + 13).replace('/dist/cjs/', '/')
  return file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file
}

const isOurs = (frame: CallFrame) => frame.url.includes(OUR_CODE)

/**
 * Stages of one event's journey. A sample goes to the stage of its innermost frame that matches one (so the builtins
 * our code calls count as ours, and node:url under node-fetch counts as the request client); samples with no such
 * frame are garbage collection, other node internals (timers, microtasks, the event loop) or other.
 */
const STAGES: Array<[string, (frame: CallFrame) => boolean]> = [
  ['our destination code (src/destinations/woopra, with the builtins it calls)', isOurs],
  ['request client + node-fetch + http', (f) => /request-client|node-fetch|cross-fetch|prepare-response|prepare-headers|add-basic-auth|node:_http|node:net|node:stream|node:internal\/streams/.test(f.url)], // prettier-ignore
  ['subscriptions (FQL parse + match)', (f) => /destination-subscriptions/.test(f.url)],
  ['schema validation (ajv)', (f) => /schema-validation|\/ajv\/|ajv-formats|ajv-human-errors/.test(f.url)],
  ['mapping-kit transform', (f) => /mapping-kit/.test(f.url)],
  ['removeEmptyValues', (f) => /remove-empty-values/.test(f.url)]
]
/** Stages for samples that no stage above claims, again from the innermost frame outwards. */
const FALLBACK_STAGES: Array<[string, (frame: CallFrame) => boolean]> = [
  ['rest of actions-core (onEvent, execute, settings, retry, results)', (f) => /@segment\/actions-core/.test(f.url)],
  ['bench harness', (f) => f.url.includes(`${path.sep}bench${path.sep}`)]
]

function stageOf(stack: CallFrame[]): string {
  for (const stages of [STAGES, FALLBACK_STAGES]) {
    for (const frame of stack) {
      const stage = stages.find(([, match]) => match(frame))
      if (stage) return stage[0]
    }
  }
  if (stack[0]?.functionName === '(garbage collector)') return 'garbage collector'
  if (stack.some((frame) => frame.url.startsWith('node:'))) return 'other node internals (timers, event loop, IPC)'
  return 'other'
}

export interface ProfileSummary {
  file: string
  sampledMs: number
  events: number
  /** Time per stage, in µs per event and percent of the window. */
  stages: Array<{ stage: string; usPerEvent: number; pct: number }>
  topSelf: Array<{ fn: string; selfMs: number; pct: number }>
  ourFunctions: Array<{ fn: string; selfMs: number; inclusiveMs: number; usPerEventInclusive: number }>
}

export function summarizeProfile(file: string, windows: Window[], events: number, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map<number, ProfileNode>()
  const parent = new Map<number, number>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const key = (frame: CallFrame) =>
    `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`

  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const stages = new Map<string, number>()
  let sampled = 0
  let time = profile.startTime
  const inWindow = (t: number) => windows.some((w) => t >= w.startUs && t <= w.endUs)

  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i]
    const duration = profile.timeDeltas[i + 1] ?? 0
    if (!inWindow(time)) continue
    const leaf = byId.get(profile.samples[i]) as ProfileNode
    if (leaf.callFrame.functionName === '(idle)') continue
    sampled += duration
    const leafKey = key(leaf.callFrame)
    self.set(leafKey, (self.get(leafKey) ?? 0) + duration)

    const stack: CallFrame[] = []
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      stack.push((byId.get(id) as ProfileNode).callFrame)
    }
    const stage = stageOf(stack)
    const seen = new Set<string>()
    for (const frame of stack) {
      if (isOurs(frame)) {
        const k = key(frame)
        if (!seen.has(k)) inclusive.set(k, (inclusive.get(k) ?? 0) + duration)
        seen.add(k)
      }
    }
    stages.set(stage, (stages.get(stage) ?? 0) + duration)
  }

  const pct = (us: number) => Math.round((us / sampled) * 1000) / 10
  const ms = (us: number) => Math.round(us / 100) / 10
  return {
    file: path.relative(ROOT, file),
    sampledMs: ms(sampled),
    events,
    stages: [...stages]
      .sort((x, y) => y[1] - x[1])
      .map(([stage, us]) => ({ stage, usPerEvent: Math.round((us / events) * 10) / 10, pct: pct(us) })),
    topSelf: [...self]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, selfMs: ms(us), pct: pct(us) })),
    ourFunctions: [...inclusive]
      .sort((x, y) => y[1] - x[1])
      .map(([fn, us]) => ({
        fn,
        selfMs: ms(self.get(fn) ?? 0),
        inclusiveMs: ms(us),
        usPerEventInclusive: Math.round((us / events) * 10) / 10
      }))
  }
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `profile ${summary.file}: ${summary.sampledMs} ms of CPU samples over ${summary.events} measured events`,
    '',
    'time by stage (innermost frame that matches):'
  ]
  for (const s of summary.stages) lines.push(`  ${s.usPerEvent.toFixed(1).padStart(7)} µs/event ${String(s.pct).padStart(5)}%  ${s.stage}`) // prettier-ignore
  lines.push('', 'top self time:')
  for (const f of summary.topSelf)
    lines.push(`  ${String(f.selfMs).padStart(8)} ms ${String(f.pct).padStart(5)}%  ${f.fn}`)
  lines.push('', 'our functions (src/destinations/woopra): inclusive (self)')
  for (const f of summary.ourFunctions) {
    lines.push(`  ${f.usPerEventInclusive.toFixed(1).padStart(7)} µs/event  ${String(f.inclusiveMs).padStart(8)} ms (${f.selfMs} ms)  ${f.fn}`) // prettier-ignore
  }
  return lines.join('\n')
}
