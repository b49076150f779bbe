import type { PathInfo } from './paths'
import type { RunResult } from './protocol'

// Medians, spreads and the table.

export interface Spread {
  median: number
  min: number
  max: number
  /** (max - min) / median, in percent. */
  spreadPct: number
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((x, y) => x - y)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  const min = sorted[0]
  const max = sorted[sorted.length - 1]
  return { median, min, max, spreadPct: median ? ((max - min) / median) * 100 : 0 }
}

export interface PathSummary {
  id: string
  name: string
  detail: string
  reps: number
  eventsPerRep: number
  eventsPerSecond: Spread
  cpuUsPerEvent: Spread
  wallUsPerEvent: Spread
  /** CPU µs/event ÷ the floor's, paired within each repetition (the paths of a repetition run back to back). */
  cpuRatioToFloor?: Spread
  eventsPerSecondRatioToFloor?: Spread
  peakRssMB: number
  loadedRssMB: number
  heapUsedMB: number
  runs: RunResult[]
}

const cpuPerEvent = (run: RunResult) => (run.cpuUserUs + run.cpuSystemUs) / run.events
const eventsPerSecond = (run: RunResult) => run.events / (run.wallMs / 1000)

export function summarize(
  info: PathInfo,
  runs: RunResult[],
  loadedRssMB: number,
  floorRuns?: RunResult[]
): PathSummary {
  const byRep = new Map(floorRuns?.map((run) => [run.rep, run]))
  const paired = (metric: (run: RunResult) => number) => {
    const ratios = runs.flatMap((run) => {
      const floorRun = byRep.get(run.rep)
      return floorRun ? [metric(run) / metric(floorRun)] : []
    })
    return ratios.length ? spread(ratios) : undefined
  }
  return {
    id: info.id,
    name: info.name,
    detail: info.detail,
    reps: runs.length,
    eventsPerRep: runs[0]?.events ?? 0,
    eventsPerSecond: spread(runs.map(eventsPerSecond)),
    cpuUsPerEvent: spread(runs.map(cpuPerEvent)),
    wallUsPerEvent: spread(runs.map((run) => (run.wallMs * 1000) / run.events)),
    cpuRatioToFloor: paired(cpuPerEvent),
    eventsPerSecondRatioToFloor: paired(eventsPerSecond),
    peakRssMB: Math.max(...runs.map((run) => run.maxRssMB)),
    loadedRssMB,
    heapUsedMB: spread(runs.map((run) => run.heapUsedMB)).median,
    runs
  }
}

const fixed = (value: number, digits = 0) => value.toFixed(digits)
const range = (s: Spread, digits = 0) => `${fixed(s.median, digits)} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`

/** The results as a Markdown table (readable in a terminal and pasteable into the README). */
export function table(summaries: readonly PathSummary[]): string {
  const header = [
    'path',
    'events/s median (min–max)',
    'CPU µs/event median (min–max)',
    'CPU × floor',
    'events/s × floor',
    'RSS MB loaded → peak'
  ]
  const rows = summaries.map((s) => [
    s.name,
    range(s.eventsPerSecond),
    range(s.cpuUsPerEvent),
    s.cpuRatioToFloor ? `${fixed(s.cpuRatioToFloor.median, 2)} (${fixed(s.cpuRatioToFloor.min, 2)}–${fixed(s.cpuRatioToFloor.max, 2)})` : '–',
    s.eventsPerSecondRatioToFloor ? fixed(s.eventsPerSecondRatioToFloor.median, 2) : '–',
    `${fixed(s.loadedRssMB)} → ${fixed(s.peakRssMB)}`
  ]) // prettier-ignore
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`
  const rule = `|${widths
    .map((width, i) => (i === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`))
    .join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}
