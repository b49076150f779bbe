import type { SegmentEvent } from '@segment/actions-core'
import { generateMix, mixDigest } from './events'
import { setupPath, pathInfo } from './paths'
import type { Send } from './paths'
import { installRedirect } from './redirect'
import type { ChildMessage, ParentMessage, RunResult } from './protocol'

// One bench process per path: it loads only that path, then warms up and runs repetitions when the runner asks,
// so that each path's CPU time and peak RSS are its own and the runner can interleave the paths.

const [pathId, port, eventCount, seed] = process.argv.slice(2)

function reply(message: ChildMessage) {
  process.send?.(message)
}

function mb(bytes: number) {
  return Math.round((bytes / 1048576) * 10) / 10
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n)

async function sendAll(send: Send, events: readonly SegmentEvent[], count: number) {
  for (let i = 0; i < count; i++) await send(events[i % events.length])
}

async function run(send: Send, events: readonly SegmentEvent[], rep: number): Promise<RunResult> {
  global.gc?.()
  const rssBefore = process.memoryUsage().rss
  const cpuBefore = process.cpuUsage()
  const startUs = nowUs()
  await sendAll(send, events, events.length)
  const endUs = nowUs()
  const cpu = process.cpuUsage(cpuBefore)
  const memory = process.memoryUsage()
  return {
    rep,
    events: events.length,
    wallMs: (endUs - startUs) / 1000,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    startUs,
    endUs,
    rssBeforeMB: mb(rssBefore),
    rssAfterMB: mb(memory.rss),
    heapUsedMB: mb(memory.heapUsed),
    maxRssMB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10
  }
}

async function main() {
  const loadStart = Date.now()
  const events = generateMix(Number(eventCount), Number(seed))
  const digest = mixDigest(events)
  const redirect = installRedirect(Number(port))
  const send = await setupPath(pathInfo(pathId).id)
  reply({ type: 'ready', digest, loadMs: Date.now() - loadStart, rssMB: mb(process.memoryUsage().rss) })

  process.on('message', (message: ParentMessage) => {
    const handle = async () => {
      if (message.type === 'warmup') {
        await sendAll(send, events, message.count)
        reply({ type: 'warm' })
      } else if (message.type === 'run') {
        reply({ type: 'result', result: await run(send, events, message.rep) })
      } else if (message.type === 'exit') {
        reply({ type: 'bye', digest: mixDigest(events), redirected: redirect.counts })
        redirect.uninstall()
        process.disconnect()
      }
    }
    handle().catch((error: Error) => {
      reply({ type: 'error', message: error?.stack ?? String(error) })
      process.exitCode = 1
      process.disconnect()
    })
  })
}

main().catch((error: Error) => {
  reply({ type: 'error', message: error?.stack ?? String(error) })
  process.exitCode = 1
  process.disconnect()
})
