import type { Options } from 'prettier'
// eslint-disable-next-line @typescript-eslint/no-var-requires
const packageJson = require('../../package.json') as { prettier: Options }

/** The monorepo's prettier style, read from package.json so that there is one copy of it. */
export const PRETTIER_OPTIONS: Options = packageJson.prettier
