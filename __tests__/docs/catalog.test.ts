import fs from 'fs'
import path from 'path'
import { spawnSync } from 'child_process'
import {
  BEGIN_MARKER,
  END_MARKER,
  catalogBlocks,
  catalogPage,
  catalogTables,
  cloudWithPlugin,
  withTables
} from '../../src/tools/catalog-tables'
import { allDestinations } from '../../src/tools/destination-dir'
import { loadDestination } from '../../src/tools/load-destination'

// The Segment catalog drafts in docs/catalog/ carry the settings, presets and actions tables written from the
// definitions by `npm run catalog`: a definition changed without running it fails here.

jest.setTimeout(60000)

const blocks = catalogBlocks()

describe.each(blocks.map((block) => [path.basename(block.page), block] as const))('docs/catalog/%s', (_name, block) => {
  it('has the tables `npm run catalog` writes from the definition', () => {
    expect(fs.readFileSync(block.page, 'utf8') === catalogPage(block)).toBe(true)
  })

  it('shows every setting, preset, action and field of the definition', () => {
    const metadata = block.metadata()
    const page = fs.readFileSync(block.page, 'utf8')
    const labels = [
      ...Object.values(metadata.authentication?.fields ?? {}).map((setting) => setting.label),
      ...metadata.presets.map((preset) => preset.name),
      ...Object.values(metadata.actions).flatMap((action) => [
        `### ${action.title}`,
        ...Object.values(action.fields).map((field) => `| ${field.label}`)
      ])
    ]
    expect(labels.filter((label) => !page.includes(String(label)))).toEqual([])
  })

  it('goes stale when a field of the definition changes', () => {
    const metadata = block.metadata()
    const [action] = Object.values(metadata.actions).filter((entry) => Object.keys(entry.fields).length > 0)
    const [field] = Object.values(action.fields)
    field.description = `${field.description} Changed.`
    const page = fs.readFileSync(block.page, 'utf8')
    expect(withTables(page, catalogTables(metadata), 'page')).not.toBe(page)
  })
})

describe('the catalog tables', () => {
  it('show Woopra (Actions) with the cookie plugin merged in, as the manifest registers it', () => {
    const [cloud, , plugin] = allDestinations()
    const [cloudDefinition, pluginDefinition] = [loadDestination(cloud.entry), loadDestination(plugin.entry)]
    const merged = cloudWithPlugin(cloudDefinition, pluginDefinition)
    expect(Object.keys(merged.actions)).toEqual(['identifyUser', 'trackEvent', 'trackPageView', 'woopraCookie'])
    expect(Object.keys(merged.authentication?.fields ?? {})).toEqual([
      ...Object.keys(cloudDefinition.authentication?.fields ?? {}),
      ...Object.keys(pluginDefinition.settings ?? {})
    ])
    expect(merged.authentication?.fields).toHaveProperty('cookieName.label', 'Woopra Cookie Name')
  })

  it('escape what would end a table cell, and mark required fields', () => {
    const metadata = blocks[1].metadata()
    const action = Object.values(metadata.actions)[0]
    const [key] = Object.keys(action.fields)
    action.fields[key] = { ...action.fields[key], label: 'A | B', description: 'one\ntwo', required: true }
    expect(catalogTables(metadata)).toMatch(/\| A \\\| B\\\* +\| Type: `string`<br>one two +\|/)
  })

  it('refuse a page without the markers, naming them', () => {
    expect(() => withTables('# A page\n', 'tables', 'page.md')).toThrow(
      `page.md has no block to generate: put the lines ${BEGIN_MARKER} and ${END_MARKER} in it.`
    )
  })

  it('are what `npm run catalog -- --check` finds up to date', () => {
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/tools/catalog.ts', '--check'],
      { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' }
    )
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(
      'unchanged docs/catalog/woopra-actions.md\nunchanged docs/catalog/woopra-web-actions.md\n'
    )
  })
})
