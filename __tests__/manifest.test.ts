import fs from 'fs'
import os from 'os'
import path from 'path'
import { metadataFile } from '../src/tools/generate-metadata'
import type { DestinationMetadata } from '../src/tools/generate-metadata'
import { manifestDefinition, mergeWebIntoCloud } from '../src/tools/manifest'
import type { LoadedDestination } from '../src/tools/manifest'
import { loadDestination } from '../src/tools/load-destination'
import type { AnyDestinationDefinition } from '../src/tools/load-destination'
import { allDestinations } from '../src/tools/destination-dir'

// The manifest merge of the actions CLI (lib/destinations.ts, getManifest) as the tools model it: a web package
// registered under a cloud destination's id adds its actions and settings to the cloud definition, which `validate`
// checks and `generate:metadata-payload` writes into the cloud folder's metadata.json.

const perform = () => undefined

const cloud: AnyDestinationDefinition = {
  name: 'Shop (Actions)',
  slug: 'actions-shop',
  mode: 'cloud',
  authentication: {
    scheme: 'custom',
    fields: {
      region: { label: 'Region', description: 'Where.', type: 'string' },
      apiKey: { label: 'API Key', description: 'Who.', type: 'password' }
    }
  },
  presets: [{ name: 'Plugin', subscribe: 'type = "track"', partnerAction: 'plugin', mapping: {}, type: 'automatic' }],
  actions: { send: { title: 'Send', description: 'Sends.', fields: {}, perform } }
}

function webDefinition(actions: AnyDestinationDefinition['actions']): AnyDestinationDefinition {
  return {
    name: 'Shop (Actions)',
    mode: 'device' as 'cloud',
    settings: {
      apiKey: { label: 'Browser Key', description: 'Replaces.', type: 'string' },
      cookie: { label: 'Cookie', description: 'Added.', type: 'string', default: 'c' }
    },
    actions
  }
}

const plugin = { title: 'Plugin', description: 'Enriches.', platform: 'web' as const, fields: {}, perform }

describe('mergeWebIntoCloud', () => {
  it('adds the web actions after the cloud ones, and the web settings to the authentication fields', () => {
    const { definition, problems } = mergeWebIntoCloud(cloud, webDefinition({ plugin }))
    expect(problems).toEqual([])
    expect(Object.keys(definition.actions)).toEqual(['send', 'plugin'])
    // A key in both keeps its place and takes the web setting, as the CLI's assignment does.
    expect(definition.authentication?.fields).toEqual({
      region: cloud.authentication?.fields.region,
      apiKey: { label: 'Browser Key', description: 'Replaces.', type: 'string' },
      cookie: { label: 'Cookie', description: 'Added.', type: 'string', default: 'c' }
    })
    expect(Object.keys(definition.authentication?.fields ?? {})).toEqual(['region', 'apiKey', 'cookie'])
    expect(definition.authentication?.scheme).toBe('custom')
    // The cloud definition itself is left as it was.
    expect(Object.keys(cloud.actions)).toEqual(['send'])
    expect(Object.keys(cloud.authentication?.fields ?? {})).toEqual(['region', 'apiKey'])
  })

  it('adds no settings from a web package without actions, as the CLI merges them per action', () => {
    const { definition } = mergeWebIntoCloud(cloud, webDefinition({}))
    expect(Object.keys(definition.authentication?.fields ?? {})).toEqual(['region', 'apiKey'])
  })

  it('reports an action key in both as the error the CLI throws', () => {
    const { problems } = mergeWebIntoCloud(cloud, webDefinition({ send: plugin }))
    expect(problems).toEqual([
      {
        severity: 'error',
        message: 'Could not merge browser + cloud actions because there is already an action with the same key "send".'
      }
    ])
  })
})

describe('manifestDefinition', () => {
  it("merges this package's cookie plugin into the Woopra cloud destination, named like it", () => {
    const [woopraCloud, , woopraPlugins] = allDestinations()
    const { definition, plugin } = manifestDefinition(loadDestination(woopraCloud.entry))
    expect(plugin?.folder.root).toBe(woopraPlugins.root)
    expect(Object.keys(definition.actions)).toEqual(['identifyUser', 'trackEvent', 'trackPageView', 'woopraCookie'])
    expect(Object.keys(definition.authentication?.fields ?? {})).toEqual([
      'project',
      'ignoreQueryUrl',
      'cookieName',
      'cookieDomain',
      'cookiePath'
    ])
  })

  it('leaves a cloud destination no web package is named like as it is', () => {
    const { definition, plugin } = manifestDefinition(cloud)
    expect(plugin).toBeUndefined()
    expect(definition).toBe(cloud)
  })
})

describe('metadataFile', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'))
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

  /** A folder whose index.js exports the definition as data (the generator reads no function). */
  function folderWith(name: string, exported: string, definition: AnyDestinationDefinition) {
    const dir = path.join(root, name)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'index.js'), `module.exports.${exported} = ${JSON.stringify(definition)}`)
    return dir
  }

  it('describes a cloud destination merged with the web package given under its id, and the web package alone', () => {
    const cloudDir = folderWith('shop', 'default', cloud)
    const webDir = folderWith('shop-plugins', 'destination', webDefinition({ plugin }))
    const given: LoadedDestination[] = [
      {
        folder: { kind: 'web', root: webDir, entry: webDir },
        definition: loadDestination(webDir)
      }
    ]

    const merged = JSON.parse(metadataFile(cloudDir, cloudDir, given).content) as DestinationMetadata
    expect(Object.keys(merged.actions)).toEqual(['send', 'plugin'])
    expect(merged.actions.plugin.platform).toBe('web')
    expect(Object.keys(merged.authentication?.fields ?? {})).toEqual(['region', 'apiKey', 'cookie'])
    expect(merged.presets.map((preset) => preset.partnerAction)).toEqual(['plugin'])

    const alone = JSON.parse(metadataFile(webDir, webDir, given).content) as DestinationMetadata
    expect(Object.keys(alone.actions)).toEqual(['plugin'])
    expect(alone.mode).toBe('device')
  })
})
