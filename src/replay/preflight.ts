import { accessSync, constants, existsSync, statSync } from 'fs'
import path from 'path'
import { CheckpointError, loadCheckpoint } from './checkpoint'
import type { CheckpointState } from './checkpoint'
import { formatShard } from './shard'
import type { Shard } from './shard'
import { shownPath, UsageError } from './subscriptions'

// Checks made before the first event is read, each answered with one line and exit status 2: inputs that are not
// there, state files that cannot be written, a checkpoint left by an earlier run or of another shard.

/** The directory the command was typed in: npm runs its scripts in the package folder, and says where in INIT_CWD. */
export function callerDirectory(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  return env.npm_lifecycle_event === 'replay' && env.INIT_CWD ? env.INIT_CWD : cwd
}

/** An input is a file or folder that exists ('-' and URLs such as s3:// are checked by their reader). */
export function checkInputs(inputs: readonly string[]) {
  for (const input of inputs) {
    if (input === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(input)) continue
    try {
      statSync(input)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : code ?? (error as Error).message // prettier-ignore
      throw new UsageError(`Cannot read ${shownPath(input)}: ${why}.`)
    }
  }
}

/**
 * A file the run will write (checkpoint, dead letters, dry-run output) can be: not a folder, in a folder that exists
 * and is writable. `example` is a file name to suggest inside a folder given by mistake.
 */
export function checkWritable(flag: string, file: string, example: string) {
  let stat
  try {
    stat = statSync(file)
  } catch {
    // Not there yet: its folder must be.
  }
  if (stat?.isDirectory()) {
    throw new UsageError(`${flag}: ${shownPath(file)} is a folder; give a file, e.g. ${flag} ${path.join(file, example)}.`) // prettier-ignore
  }
  const folder = path.dirname(path.resolve(file))
  let folderStat
  try {
    folderStat = statSync(folder)
  } catch {
    throw new UsageError(`${flag}: cannot write ${shownPath(file)}: the folder ${folder} does not exist.`)
  }
  if (!folderStat.isDirectory()) throw new UsageError(`${flag}: cannot write ${shownPath(file)}: ${folder} is not a folder.`) // prettier-ignore
  try {
    accessSync(folder, constants.W_OK)
    if (stat) accessSync(file, constants.W_OK)
  } catch {
    throw new UsageError(`${flag}: cannot write ${shownPath(file)}: permission denied.`)
  }
}

/** What an earlier run settled (with --resume), after checking that the checkpoint may be used. */
export function previousRun(checkpointFile: string, resume: boolean, shard?: Shard): CheckpointState | undefined {
  if (existsSync(checkpointFile) && !resume) {
    throw new UsageError(`${shownPath(checkpointFile)} exists from an earlier run: add --resume to continue it, or delete it to start over.`) // prettier-ignore
  }
  let previous
  try {
    previous = resume ? loadCheckpoint(checkpointFile) : undefined
  } catch (error) {
    if (error instanceof CheckpointError) throw new UsageError(error.message)
    throw error
  }
  const expected = shard ? formatShard(shard) : undefined
  if (previous && previous.shard !== expected) {
    throw new UsageError(`${shownPath(checkpointFile)} is the checkpoint of shard ${previous.shard ?? 'none'}, not ${expected ?? 'none'}.`) // prettier-ignore
  }
  return previous
}
