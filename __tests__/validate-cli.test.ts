import fs from 'fs'
import os from 'os'
import path from 'path'
import { spawnSync } from 'child_process'

// `npm run validate` as a command: its exit status and the list it prints.

const PACKAGE_ROOT = path.resolve(__dirname, '..')

function validate(destinationDir?: string) {
  const args = [
    '-r',
    'ts-node/register/transpile-only',
    'src/tools/validate.ts',
    ...(destinationDir ? [destinationDir] : [])
  ]
  return spawnSync(process.execPath, args, { cwd: PACKAGE_ROOT, encoding: 'utf8' })
}

describe('npm run validate', () => {
  it('exits 0 for the Woopra destination', () => {
    const result = validate()
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('Woopra (Actions): the definition passes every check')
  })

  it('exits 1 and lists every problem of a broken destination', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'))
    try {
      fs.writeFileSync(
        path.join(dir, 'index.js'),
        `module.exports.default = {
          name: 'Broken', mode: 'cloud',
          authentication: { scheme: 'custom', fields: { token: { label: 'Token', description: 'The token.', type: 'string' } } },
          presets: [{ name: 'Everything', subscribe: 'type = "track"', partnerAction: 'nowhere', mapping: {}, type: 'automatic' }],
          actions: { send: { title: 'Send', description: '', fields: { x: { label: 'X', type: 'string' } }, perform() {} } }
        }`
      )
      const result = validate(dir)
      expect(result.status).toBe(1)
      expect(result.stderr).toBe(
        [
          '✖ Broken: 4 problem(s) found:',
          '  - The preset "Everything" references an action key that does not exist: "nowhere".',
          '  - The action "send" is missing a description.',
          '  - The action "send" is missing a description for the field "x". (the monorepo only warns about this)',
          '  - The setting "token" looks like a secret but has type "string": make it `type: \'password\'`. (the monorepo only warns about this)',
          ''
        ].join('\n')
      )
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
