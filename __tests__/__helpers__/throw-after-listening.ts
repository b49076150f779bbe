// Preloaded into the command line by a test: once the server says it listens, an error that nothing catches is thrown.

const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean

process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
  const written = write(chunk, ...rest)
  if (String(chunk).includes('"msg":"listening"')) {
    setImmediate(() => {
      throw new Error('boom at https://www.woopra.com/track/ce?cv_email=jane@example.com')
    })
  }
  return written
}) as typeof process.stdout.write
