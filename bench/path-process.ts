import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import path from 'path'
import type { PathId } from './paths'
import type { ChildMessage, ParentMessage } from './protocol'

/** What a path's process needs to know: how many events, from which seed, and whether to profile it. */
export interface PathProcessOptions {
  events: number
  seed: number
  profile: boolean
  resultsDir: string
}

/** A path's process, with a promise-based conversation over IPC. */
export class PathProcess {
  readonly child: ChildProcess
  private waiting?: { type: string; resolve: (message: ChildMessage) => void; reject: (error: Error) => void }
  private readonly exited: Promise<number | null>
  readonly ready: Promise<Extract<ChildMessage, { type: 'ready' }>>
  profileFile?: string

  constructor(readonly id: PathId, port: number, options: PathProcessOptions, stamp: string) {
    const execArgv = ['--expose-gc', '-r', 'ts-node/register/transpile-only']
    if (options.profile) {
      this.profileFile = path.join(options.resultsDir, 'profiles', `${id}-${stamp}.cpuprofile`)
      execArgv.unshift(
        '--cpu-prof',
        `--cpu-prof-dir=${path.dirname(this.profileFile)}`,
        `--cpu-prof-name=${path.basename(this.profileFile)}`,
        '--cpu-prof-interval=100'
      )
    }
    this.child = fork(
      path.join(__dirname, 'child.ts'),
      [id, String(port), String(options.events), String(options.seed)],
      {
        execArgv,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc']
      }
    )
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)))
    this.child.on('message', (message: ChildMessage) => {
      const waiting = this.waiting
      this.waiting = undefined
      if (message.type === 'error') waiting?.reject(new Error(`path ${id}: ${message.message}`))
      else if (waiting && message.type === waiting.type) waiting.resolve(message)
      else waiting?.reject(new Error(`path ${id}: unexpected message ${message.type}`))
    })
    this.child.on('exit', (code) => {
      if (this.waiting) this.waiting.reject(new Error(`path ${id}: process exited with ${code}`))
      this.waiting = undefined
    })
    this.ready = this.expect('ready') as Promise<Extract<ChildMessage, { type: 'ready' }>>
  }

  private expect(type: ChildMessage['type']): Promise<ChildMessage> {
    return new Promise((resolve, reject) => (this.waiting = { type, resolve, reject }))
  }

  ask<T extends ChildMessage['type']>(message: ParentMessage, answer: T): Promise<Extract<ChildMessage, { type: T }>> {
    const reply = this.expect(answer)
    this.child.send(message)
    return reply as Promise<Extract<ChildMessage, { type: T }>>
  }

  async finish() {
    const bye = await this.ask({ type: 'exit' }, 'bye')
    const code = await this.exited
    if (code !== 0) throw new Error(`path ${this.id}: process exited with ${code}`)
    return bye
  }

  kill() {
    if (this.child.exitCode === null) this.child.kill()
  }
}
