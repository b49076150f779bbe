import fs from 'fs'
import path from 'path'

// What `npm run types` and `npm run metadata` share: each generated file is written only when its content changes,
// or, with --check, only compared and reported.

export const CHECK_OPTION = { '--check': 'write nothing; list the files that differ and exit 1 if any does' }

export class GeneratedFiles {
  /** How many files differ from what would be written (counted under --check only: otherwise they are written). */
  stale = 0

  constructor(private readonly check: boolean) {}

  /** Writes the file if its content differs (or, under --check, reports it), printing what happened. */
  update(file: string, content: string): void {
    const shown = path.relative(process.cwd(), file)
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) {
      console.log(`unchanged ${shown}`)
    } else if (this.check) {
      console.error(`stale     ${shown}`)
      this.stale++
    } else {
      fs.writeFileSync(file, content)
      console.log(`wrote     ${shown}`)
    }
  }

  /** The exit status: 1 when a file is stale, with a line naming the command that would fix it. */
  exitStatus(files: string, script: string): number {
    if (this.stale === 0) return 0
    console.error(`✖ ${this.stale} ${files} differ from what \`npm run ${script}\` would write.`)
    return 1
  }
}
