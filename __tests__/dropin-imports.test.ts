import fs from 'fs'
import os from 'os'
import path from 'path'
import { findEscapingImports, WEB_IMPORT_RULES } from '../src/tools/dropin-imports'

// The static half of check:dropin, on a fixture tree shaped like the monorepo's destination-actions/src.

describe('findEscapingImports', () => {
  let src: string
  let destination: string
  beforeEach(() => {
    src = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-'))
    destination = path.join(src, 'destinations', 'example')
    fs.mkdirSync(path.join(destination, 'send', '__tests__'), { recursive: true })
  })
  afterEach(() => fs.rmSync(src, { recursive: true, force: true }))

  const write = (file: string, source: string) => fs.writeFileSync(path.join(destination, file), source)

  it('allows the framework, files inside the folder, and nock and test-data from tests', () => {
    write('index.ts', "import { defaultValues } from '@segment/actions-core'\nimport send from './send'\n")
    write(
      'send/index.ts',
      "import type { Settings } from '../generated-types'\nexport * from '@segment/actions-core/destination-kit'\n"
    )
    write(
      'send/__tests__/snapshot.test.ts',
      "import nock from 'nock'\nimport { generateTestData } from '../../../../lib/test-data'\nimport destination from '../../index'\n"
    )
    expect(findEscapingImports(destination)).toEqual([])
  })

  it('reports other packages, paths leaving the folder, and test-only imports outside tests', () => {
    write('index.ts', "import get from 'lodash/get'\nimport nock from 'nock'\nexport { x } from '../other/x'\n")
    write('send/index.ts', "const helper = require('../../../tools/helper')\nimport('../../lib/test-data')\n")
    write('send/__tests__/index.test.ts', "import { something } from '../../../../server/app'\n")
    expect(findEscapingImports(destination)).toEqual([
      { file: 'index.ts', specifier: 'lodash/get', reason: 'only @segment/actions-core may be imported' },
      { file: 'index.ts', specifier: 'nock', reason: 'only @segment/actions-core may be imported' },
      { file: 'index.ts', specifier: '../other/x', reason: 'the relative path leaves the destination folder' },
      {
        file: path.join('send', '__tests__', 'index.test.ts'),
        specifier: '../../../../server/app',
        reason: 'the relative path leaves the destination folder'
      },
      {
        file: path.join('send', 'index.ts'),
        specifier: '../../../tools/helper',
        reason: 'the relative path leaves the destination folder'
      },
      {
        file: path.join('send', 'index.ts'),
        specifier: '../../lib/test-data',
        reason: 'the relative path leaves the destination folder'
      }
    ])
  })
})

describe('findEscapingImports with the web package rules', () => {
  let root: string
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'web-imports-'))
    fs.mkdirSync(path.join(root, 'src', 'send', '__tests__'), { recursive: true })
  })
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }))

  const write = (file: string, source: string) => fs.writeFileSync(path.join(root, 'src', file), source)

  it("allows the runtime's public subpaths and actions-core, and analytics-next and nock from tests", () => {
    write(
      'index.ts',
      "import { browserDestination } from '@segment/browser-destination-runtime/shim'\nimport type { BrowserDestinationDefinition } from '@segment/browser-destination-runtime/types'\nimport { defaultValues } from '@segment/actions-core'\n"
    )
    write('send/index.ts', "import { loadScript } from '@segment/browser-destination-runtime/load-script'\n")
    write('test-utilities.ts', "import { Analytics } from '@segment/analytics-next'\n")
    write(
      'send/__tests__/index.test.ts',
      "import nock from 'nock'\nimport { Context } from '@segment/analytics-next'\n"
    )
    expect(findEscapingImports(root, WEB_IMPORT_RULES)).toEqual([])
  })

  it("reports the runtime's root and private files, analytics-next outside tests, and the monorepo's test-data", () => {
    write(
      'index.ts',
      "import * as runtime from '@segment/browser-destination-runtime'\nimport { x } from '@segment/browser-destination-runtime/dist/cjs/plugin'\nimport { Analytics } from '@segment/analytics-next'\n"
    )
    write('send/__tests__/index.test.ts', "import { generateTestData } from '../../../../lib/test-data'\n")
    const runtimeOnly =
      'only @segment/actions-core, @segment/browser-destination-runtime/types, @segment/browser-destination-runtime/shim, @segment/browser-destination-runtime/load-script, @segment/browser-destination-runtime/resolve-when, @segment/browser-destination-runtime/plugin may be imported'
    expect(findEscapingImports(root, WEB_IMPORT_RULES)).toEqual([
      { file: path.join('src', 'index.ts'), specifier: '@segment/browser-destination-runtime', reason: runtimeOnly },
      {
        file: path.join('src', 'index.ts'),
        specifier: '@segment/browser-destination-runtime/dist/cjs/plugin',
        reason: runtimeOnly
      },
      { file: path.join('src', 'index.ts'), specifier: '@segment/analytics-next', reason: runtimeOnly },
      {
        file: path.join('src', 'send', '__tests__', 'index.test.ts'),
        specifier: '../../../../lib/test-data',
        reason: 'the relative path leaves the destination folder'
      }
    ])
  })
})
