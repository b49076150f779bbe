import { createWriteStream, rmSync } from 'fs'
import { Destination } from '@segment/actions-core'
import type { DestinationDefinition } from '@segment/actions-core'
import woopra from '../destinations/woopra'
import type { CheckpointState } from './checkpoint'
import { EXIT, parseCli, USAGE } from './cli-options'
import type { CliOptions } from './cli-options'
import { Interrupts } from './interrupt'
import { callerDirectory, checkInputs, checkWritable, previousRun } from './preflight'
import { runReplay } from './replay'
import type { ReplaySummary } from './replay'
import { InputError } from './sources'
import { shownPath, UsageError } from './subscriptions'
import type { Writable } from 'stream'

// `npm run replay`: send a Segment event archive to Woopra through the destination, resumable, in order per visitor.

export { EXIT, parseCli, USAGE } from './cli-options'
export type { CliOptions } from './cli-options'
export { readSubscriptions, UsageError } from './subscriptions'

/** Nothing at all was found to read: no record in any input (a folder with only `_SUCCESS`, an empty file). */
export function foundNothing(summary: ReplaySummary): boolean {
  return (
    !summary.interrupted &&
    !summary.stoppedBy &&
    summary.read + summary.alreadySettled + summary.otherShards + summary.notFinished === 0
  )
}

/** Exit status of a finished run. */
export function exitCode(summary: ReplaySummary, allowEmpty = false): number {
  if (summary.interrupted) return EXIT.interrupted
  if (summary.stoppedBy) return EXIT.usage
  if (!allowEmpty && foundNothing(summary)) return EXIT.noEvents
  return summary.deadLettered > 0 || summary.notFinished > 0 ? EXIT.deadLettered : EXIT.ok
}

/** The summary as printed: a dry run's `delivered` is `wouldSend`. */
export function summaryLine(summary: ReplaySummary) {
  const { delivered, ...rest } = summary
  return { time: new Date().toISOString(), msg: 'summary', ...(summary.dryRun ? { wouldSend: delivered } : { delivered }), ...rest } // prettier-ignore
}

export function formatSummary(summary: ReplaySummary): string {
  const sent = summary.dryRun ? 'would send' : 'delivered'
  const lines = [
    `read ${summary.read} = ${sent} ${summary.delivered} + skipped ${summary.skipped} + dead-lettered ${summary.deadLettered}`, // prettier-ignore
    `  skipped: ${summary.skippedDuplicates} duplicate messageId, ${summary.skippedDisabled} turned off by integrations, ${summary.skippedSentByTracker} sent by Woopra's browser tracker, ${summary.skipped - summary.skippedDuplicates - summary.skippedDisabled - summary.skippedSentByTracker} matching no subscription`, // prettier-ignore
    `  retries ${summary.retries}; already settled by an earlier run ${summary.alreadySettled}; other shards ${summary.otherShards}`, // prettier-ignore
    `  ${summary.eventsPerSecond} events/s ${summary.dryRun ? 'written' : 'delivered'} over ${summary.durationSeconds} s; peak RSS ${summary.peakRssMB} MB` // prettier-ignore
  ]
  if (summary.deadLettered > 0) lines.push(`  dead letters: ${shownPath(summary.deadLetters)}`)
  if (summary.notFinished > 0) lines.push(`  ${summary.notFinished} events read ahead were not settled (not started, or still in flight when the drain timed out); --resume sends them`) // prettier-ignore
  if (summary.stoppedBy) lines.push(`  stopped: ${summary.stoppedBy} Fix it, then run the same command with --resume.`) // prettier-ignore
  if (summary.interrupted) lines.push(`  interrupted: continue with the same command and --resume (checkpoint ${summary.checkpoint ? shownPath(summary.checkpoint) : 'none'})`) // prettier-ignore
  return lines.join('\n')
}

const say = (text: string) => process.stderr.write(`${text}\n`)

/** The options, checked before the first event; a number is the exit status when the run cannot start. */
async function prepare(): Promise<{ options: CliOptions; previous?: CheckpointState } | number> {
  let options
  try {
    options = parseCli(process.argv.slice(2), process.env, woopra)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    say(`${error.message}\n\nRun npm run replay -- --help for the options.`)
    return EXIT.usage
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`)
    return EXIT.ok
  }
  try {
    // The destination's own check of its settings (no request), so that bad settings stop the run before it starts.
    await new Destination(woopra).testAuthentication(options.settings as never)
  } catch (error) {
    say(`The settings are not valid: ${(error as Error)?.message ?? String(error)}`)
    return EXIT.usage
  }
  try {
    checkInputs(options.inputs)
    if (options.checkpointFile) checkWritable('--checkpoint', options.checkpointFile, 'replay-checkpoint.json')
    checkWritable('--dead-letters', options.deadLetterFile, 'replay-dead-letters.jsonl')
    if (options.outputFile && options.outputFile !== '-') checkWritable('--output', options.outputFile, 'requests.jsonl') // prettier-ignore
    const previous = options.checkpointFile ? previousRun(options.checkpointFile, options.resume, options.shard) : undefined // prettier-ignore
    return { options, previous }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    say(error.message)
    return EXIT.usage
  }
}

/** Ctrl+C and SIGTERM: the first stops the run gracefully, copies of it within a second are ignored, a later one exits. */
function handleSignals(controller: AbortController, drainTimeoutMs: number) {
  const interrupts = new Interrupts()
  const onSignal = (signal: NodeJS.Signals) => {
    const kind = interrupts.receive()
    if (kind === 'same') return
    if (kind === 'again') {
      // The checkpoint's journal is on disk record by record, so --resume still holds.
      say(`${signal} again: exiting without waiting.`)
      process.exit(EXIT.interrupted)
    }
    // Aborting stops the progress bar first, so that what follows is printed on lines of its own.
    controller.abort()
    say(`${signal}: reading stopped; letting events in flight finish (up to ${drainTimeoutMs / 1000} s). Ctrl+C again, a second or more from now, exits at once.`) // prettier-ignore
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

/** Where dry-run requests go: standard output (its reader going away stops the run as Ctrl+C does), or a file. */
function dryRunOutput(options: CliOptions, controller: AbortController): Writable | undefined {
  if (!options.dryRun) return undefined
  const stopOn = (stream: Writable, ignored: string) =>
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== ignored) say(`--output: cannot write ${shownPath(options.outputFile ?? '-')}: ${error.code ?? error.message}`) // prettier-ignore
      if (!controller.signal.aborted) controller.abort()
    })
  if (options.outputFile === undefined || options.outputFile === '-') return stopOn(process.stdout, 'EPIPE')
  return stopOn(createWriteStream(options.outputFile), '')
}

function report(summary: ReplaySummary, options: CliOptions): number {
  if (process.stderr.isTTY) say(formatSummary(summary))
  if (summary.stoppedBy) say(summary.stoppedBy)
  say(JSON.stringify(summaryLine(summary)))
  const code = exitCode(summary, options.allowEmpty)
  if (code === EXIT.noEvents) {
    // A checkpoint of nothing would make the next run ask for --resume: none is kept.
    if (options.checkpointFile && !options.resume) rmSync(options.checkpointFile, { force: true })
    const inputs = options.inputs.map((input) => (input === '-' ? 'standard input' : shownPath(input))).join(', ')
    say(`No event found in ${inputs}: nothing was sent (exit ${EXIT.noEvents}). If an empty input is expected, add --allow-empty.`) // prettier-ignore
  }
  return code
}

async function main(): Promise<number> {
  try {
    // Relative paths are the caller's: npm runs the script in the package folder.
    process.chdir(callerDirectory(process.env))
  } catch (error) {
    say(`Cannot work in ${process.env.INIT_CWD ?? '?'}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`) // prettier-ignore
    return EXIT.usage
  }
  const prepared = await prepare()
  if (typeof prepared === 'number') return prepared
  const { options, previous } = prepared
  const controller = new AbortController()
  handleSignals(controller, options.drainTimeoutMs)
  const output = dryRunOutput(options, controller)
  try {
    const summary = await runReplay({
      ...options,
      definition: woopra as unknown as DestinationDefinition<Record<string, unknown>>,
      previous,
      appendDeadLetters: options.resume,
      dryRunOutput: output,
      ownFiles: options.outputFile && options.outputFile !== '-' ? [options.outputFile] : [],
      progressStream: process.stderr,
      signal: controller.signal
    })
    if (output && output !== process.stdout) await new Promise((resolve) => output.end(resolve))
    return report(summary, options)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    say(error.message)
    return EXIT.usage
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      // After an interruption, requests that outlived the drain may still hold the event loop (up to the
      // destination's timeout): they are not settled, the checkpoint and summary are written, so leave now.
      if (code === EXIT.interrupted) process.exit(code)
      process.exitCode = code
    },
    (error: Error) => {
      say(error?.stack ?? String(error))
      process.exitCode = 1
    }
  )
}
