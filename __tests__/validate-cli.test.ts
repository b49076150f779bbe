import fs from 'fs'
import os from 'os'
import path from 'path'
import { spawnSync } from 'child_process'

// `npm run validate` as a command: its exit status and what it prints. Errors fail it as they fail the monorepo's CI;
// what the monorepo only reports (field descriptions, batch keys, setting defaults, secret settings) warns and passes.

jest.setTimeout(60000)

const PACKAGE_ROOT = path.resolve(__dirname, '..')

function validate(...args: string[]) {
  const argv = ['-r', 'ts-node/register/transpile-only', 'src/tools/validate.ts', ...args]
  return spawnSync(process.execPath, argv, { cwd: PACKAGE_ROOT, encoding: 'utf8' })
}

function withDestination(source: string, check: (dir: string) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'))
  try {
    fs.writeFileSync(path.join(dir, 'index.js'), source)
    check(dir)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

describe('npm run validate', () => {
  it('exits 0 for the cloud destination merged with the cookie plugin, and for Woopra Web', () => {
    const result = validate()
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(
      [
        "✔ Woopra (Actions) (src/destinations/woopra + src/browser-destinations/woopra-plugins): passes every check of the monorepo's validate commands.",
        "✔ Woopra Web (Actions) (src/browser-destinations/woopra-web): passes every check of the monorepo's validate commands.",
        ''
      ].join('\n')
    )
  })

  it('checks the cloud destination given alone merged with the cookie plugin registered under its id', () => {
    // Its preset of the plugin's action passes only merged, as in the monorepo.
    const result = validate('src/destinations/woopra')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(
      "✔ Woopra (Actions) (src/destinations/woopra + src/browser-destinations/woopra-plugins): passes every check of the monorepo's validate commands.\n"
    )
  })

  it('exits 1 on errors, listing them before the warnings', () => {
    withDestination(
      `module.exports.default = {
        name: 'Broken', mode: 'cloud',
        authentication: { scheme: 'custom', fields: { token: { label: 'Token', description: 'The token.', type: 'string' } } },
        presets: [{ name: 'Everything', subscribe: 'type = "track"', partnerAction: 'nowhere', mapping: {}, type: 'automatic' }],
        actions: { send: { title: 'Send', description: '', fields: { x: { label: 'X', type: 'string' } }, perform() {} } }
      }`,
      (dir) => {
        const result = validate(dir)
        expect(result.status).toBe(1)
        expect(result.stdout).toBe('')
        expect(result.stderr).toBe(
          [
            `✖ Broken (${path.relative(PACKAGE_ROOT, dir)}): 2 error(s), 2 warning(s):`,
            '  - error: The preset "Everything" references an action key that does not exist: "nowhere".',
            '  - error: The action "send" is missing a description.',
            '  - warning (the monorepo only reports this): The action "send" is missing a description for the field "x".',
            '  - warning (the monorepo only reports this): The setting "token" looks like a secret but has type "string": make it `type: \'password\'`.',
            ''
          ].join('\n')
        )
      }
    )
  })

  it('exits 0 when there are only warnings, and prints them', () => {
    withDestination(
      `module.exports.default = {
        name: 'Loose', mode: 'cloud',
        authentication: { scheme: 'custom', fields: { retries: { label: 'Retries', description: 'How often.', type: 'number', default: '3' } } },
        actions: { send: { title: 'Send', description: 'Sends.', fields: { x: { label: 'X', type: 'string' } }, perform() {} } }
      }`,
      (dir) => {
        const result = validate(dir)
        expect(result.status).toBe(0)
        expect(result.stderr).toBe(
          [
            `⚠ Loose (${path.relative(PACKAGE_ROOT, dir)}): 0 error(s), 2 warning(s):`,
            '  - warning (the monorepo only reports this): The action "send" is missing a description for the field "x".',
            '  - warning (the monorepo only reports this): The default value for setting "retries" is of type "string", but the type is set to "number".',
            ''
          ].join('\n')
        )
      }
    )
  })

  it('checks a web package named like the cloud destination merged into it: an action key in both is an error', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-web-'))
    try {
      fs.mkdirSync(path.join(root, 'src'))
      fs.writeFileSync(path.join(root, 'package.json'), '{}')
      fs.writeFileSync(
        path.join(root, 'src', 'index.js'),
        `module.exports.destination = {
          name: 'Woopra (Actions)', mode: 'device', initialize: async () => ({}),
          actions: { trackEvent: { title: 'Again', description: 'Clashes.', platform: 'web', fields: {}, perform() {} } }
        }`
      )
      const result = validate(root)
      expect(result.status).toBe(1)
      expect(result.stderr).toContain(
        '  - error: Could not merge browser + cloud actions because there is already an action with the same key "trackEvent".'
      )
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})
