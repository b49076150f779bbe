import fs from 'fs'
import os from 'os'
import path from 'path'
import { findEscapingImports } from '../src/tools/dropin-imports'

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
