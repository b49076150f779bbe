import { loadDestination } from './load-destination'
import { validateDefinition } from './validate-definition'
import { DEFAULT_DESTINATION_DIR } from './destination-dir'

// `npm run validate [destination folder]`: the monorepo's definition checks; exits 1 with the list of problems.
const definition = loadDestination(process.argv[2] ?? DEFAULT_DESTINATION_DIR)
const problems = validateDefinition(definition)

if (problems.length === 0) {
  console.log(`✔ ${definition.name}: the definition passes every check of the monorepo's validate commands.`)
} else {
  console.error(`✖ ${definition.name}: ${problems.length} problem(s) found:`)
  for (const { severity, message } of problems) {
    const note = severity === 'warning' ? ' (the monorepo only warns about this)' : ''
    console.error(`  - ${message}${note}`)
  }
  process.exitCode = 1
}
