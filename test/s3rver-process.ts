import S3rver from 's3rver'

// s3rver in a process of its own, started by s3-stand-in.ts with --openssl-legacy-provider: s3rver cuts its listing
// continuation tokens with DES, which OpenSSL 3 (Node 17 and later) offers only in its legacy provider; without it
// any listing of more than 1000 keys answers 500. Prints its port as one JSON line, then serves until killed.

async function main() {
  const directory = process.argv[2]
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
  const { port } = await server.run()
  process.stdout.write(`${JSON.stringify({ port })}\n`)
  // Standard input is a pipe from the test process: it ends when that process does, even killed, and so does this.
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`)
  process.exit(1)
})
