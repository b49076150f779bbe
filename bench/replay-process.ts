import { spawn } from 'child_process'
import path from 'path'

// The replay command in a child process, as the replay benches run it: under the package's `replay` Node options,
// with www.woopra.com redirected to a local sink (bench/redirect-preload.ts).

const ROOT = path.resolve(__dirname, '..')

export interface ReplayProcessRun {
  code: number | null
  stderr: string
  /** The run's summary log line (JSON), if it wrote one. */
  summaryLine?: string
}

export async function runReplayCommand(
  args: readonly string[],
  options: { nodeOptions: readonly string[]; sinkPort: number; sockets: number; env?: Record<string, string> }
): Promise<ReplayProcessRun> {
  const preloads = ['-r', 'ts-node/register/transpile-only', '-r', path.join(__dirname, 'redirect-preload.ts')]
  const child = spawn(
    process.execPath,
    [...options.nodeOptions, ...preloads, path.join(ROOT, 'src/replay/cli.ts'), ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...options.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        WOOPRA_REDIRECT_PORT: String(options.sinkPort),
        WOOPRA_REDIRECT_SOCKETS: String(options.sockets)
      },
      stdio: ['ignore', 'ignore', 'pipe']
    }
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exit) => resolve(exit)))
  return { code, stderr, summaryLine: stderr.split('\n').find((text) => text.includes('"msg":"summary"')) }
}
