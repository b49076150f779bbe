// What every tool command shares: its --help, arguments checked before anything runs, and errors reported as one clear
// line (with the stack only under --debug), never as a crash.

export interface ToolCommand {
  /** The npm script, e.g. `validate`. */
  script: string
  /** What the command does, in a sentence or two. */
  summary: string
  /** The positional arguments, as shown in the usage line. */
  argumentsUsage: string
  /** What the positional arguments mean. */
  argumentsHelp: string
  /** Extra options of this command: flag → description. */
  options?: Record<string, string>
  /** Examples: command line → what it does. */
  examples?: Record<string, string>
}

export interface ToolArguments {
  paths: string[]
  options: Set<string>
}

/** A mistake on the command line: reported with a pointer to --help, exit status 2. */
export class UsageError extends Error {}

const COMMON_OPTIONS: Record<string, string> = {
  '-h, --help': 'show this help and exit',
  '--debug': 'print the stack trace of an unexpected error'
}

export function helpText(command: ToolCommand): string {
  const options = { ...command.options, ...COMMON_OPTIONS }
  const width = Math.max(...Object.keys(options).map((flag) => flag.length))
  const lines = [
    `Usage: npm run ${command.script} -- [options] ${command.argumentsUsage}`.replace(/\s+$/, ''),
    '',
    command.summary,
    '',
    command.argumentsHelp,
    '',
    'Options:',
    ...Object.entries(options).map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`)
  ]
  if (command.examples) {
    lines.push('', 'Examples:', ...Object.entries(command.examples).map(([line, text]) => `  ${line}\n      ${text}`))
  }
  return lines.join('\n') + '\n'
}

/** The paths and options given, or 'help'; an unknown option is a UsageError. */
export function parseArguments(argv: string[], command: ToolCommand): ToolArguments | 'help' {
  const known = new Set(
    Object.keys({ ...command.options, ...COMMON_OPTIONS }).flatMap((flags) => flags.split(', ').map((f) => f.trim()))
  )
  const parsed: ToolArguments = { paths: [], options: new Set() }
  for (const arg of argv) {
    if (arg === '-h' || arg === '--help' || arg === 'help') return 'help'
    if (arg.startsWith('-')) {
      if (!known.has(arg)) throw new UsageError(`unknown option ${arg}`)
      parsed.options.add(arg)
    } else {
      parsed.paths.push(arg)
    }
  }
  return parsed
}

/**
 * Runs a tool command: --help, argument errors (status 2), explained failures (status 1) and unexpected errors
 * (status 1, one line unless --debug). `main` returns the exit status.
 */
export function runTool(command: ToolCommand, main: (args: ToolArguments) => Promise<number> | number): void {
  const argv = process.argv.slice(2)
  const debug = argv.includes('--debug')
  const fail = (status: number, message: string) => {
    process.stderr.write(message.endsWith('\n') ? message : message + '\n')
    process.exitCode = status
  }
  const failUsage = (message: string) =>
    fail(2, `npm run ${command.script}: ${message}\nRun \`npm run ${command.script} -- --help\` for usage.`)
  let args: ToolArguments | 'help'
  try {
    args = parseArguments(argv, command)
  } catch (error) {
    failUsage((error as Error).message)
    return
  }
  if (args === 'help') {
    process.stdout.write(helpText(command))
    return
  }
  const toolArgs = args
  Promise.resolve()
    .then(() => main(toolArgs))
    .then(
      (status) => {
        process.exitCode = status
      },
      (error: unknown) => {
        if (error instanceof UsageError) {
          failUsage(error.message)
        } else if (debug && error instanceof Error && error.stack) {
          fail(1, error.stack)
        } else {
          fail(1, `✖ npm run ${command.script}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    )
}
