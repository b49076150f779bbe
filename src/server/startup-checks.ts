import { accessSync, constants, statSync } from 'fs'
import path from 'path'
import { nearestName } from '../cli/nearest'

// What `npm start` checks before it listens, so that a mistake shows at once, in one line, rather than as an event
// lost hours later: the state files it will write, and the environment variables it was given.

/** The environment variables the server reads. */
export const KNOWN_VARIABLES: readonly [string, ...string[]] = [
  'WOOPRA_PROJECT',
  'WOOPRA_WRITE_KEY',
  'WOOPRA_DRY_RUN',
  'WOOPRA_LOG_PAYLOADS',
  'WOOPRA_DRAIN_TIMEOUT',
  'WOOPRA_DEAD_LETTERS'
]
/** Read by the project's bench and tests, not by the server: no warning for them. */
const TOOLING_VARIABLES = ['WOOPRA_REDIRECT_PORT', 'WOOPRA_REDIRECT_SOCKETS', 'WOOPRA_BROWSER_TESTS']

/** Why the server could not append to `file` (an absolute path), or undefined when it can. Creates nothing. */
export function appendProblem(file: string): string | undefined {
  const folder = path.dirname(file)
  try {
    if (statSync(file).isDirectory()) return `${file} is a folder, not a file.`
    accessSync(file, constants.W_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR') return `${file} cannot be created: a part of ${folder} is a file, not a folder.`
    if (code !== 'ENOENT') return `${file} cannot be written (${code ?? (error as Error).message}).`
  }
  try {
    if (!statSync(folder).isDirectory()) return `${file} cannot be created: ${folder} is not a folder.`
    accessSync(folder, constants.W_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${file} cannot be created: the folder ${folder} does not exist.` // prettier-ignore
    return `${file} cannot be created in ${folder} (${code ?? (error as Error).message}).`
  }
}

/** Each `WOOPRA_*` variable the server does not know, with the known name nearest to it. */
export function unknownVariables(env: NodeJS.ProcessEnv): { name: string; nearest: string }[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('WOOPRA_'))
    .filter((name) => !KNOWN_VARIABLES.includes(name) && !TOOLING_VARIABLES.includes(name))
    .sort()
    .map((name) => ({ name, nearest: nearestName(name, KNOWN_VARIABLES) }))
}
