// Messages between the runner and a path's process.

export interface RunResult {
  rep: number
  events: number
  wallMs: number
  cpuUserUs: number
  cpuSystemUs: number
  /** process.hrtime in µs at the start and end of the measured window (to cut a --cpu-prof profile to it). */
  startUs: number
  endUs: number
  rssBeforeMB: number
  rssAfterMB: number
  heapUsedMB: number
  /** Peak RSS of the process so far (getrusage maxrss). */
  maxRssMB: number
}

export type ParentMessage = { type: 'warmup'; count: number } | { type: 'run'; rep: number } | { type: 'exit' }

export type ChildMessage =
  | { type: 'ready'; digest: string; loadMs: number; rssMB: number }
  | { type: 'warm' }
  | { type: 'result'; result: RunResult }
  | { type: 'bye'; digest: string; redirected: Record<string, number> }
  | { type: 'error'; message: string }
