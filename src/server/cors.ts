import type { IncomingMessage, ServerResponse } from 'http'

/** The origins the actions CLI's `serve` lets call it: Segment's Actions Tester (production, EU, staging) and a local UI. */
export const ACTIONS_TESTER_ORIGINS: readonly string[] = [
  'https://app.segment.com',
  'https://eu1.app.segment.com',
  'https://app.segment.build',
  'https://eu1.app.segment.build',
  'http://localhost:8000'
]

/** The names a browser or client may reach this server by: it answers only requests addressed to one of them. */
export const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]']

const ALLOWED_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE'

/**
 * Sets the CORS headers the CLI's server sends (it uses the `cors` package with an origin list): an allowed origin is
 * echoed back, any other origin gets no `Access-Control-Allow-Origin`, so the browser blocks the call.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): void {
  if (isAllowedOrigin(req, origins)) res.setHeader('Access-Control-Allow-Origin', req.headers.origin as string)
  res.setHeader('Vary', 'Origin')
}

function isAllowedOrigin(req: IncomingMessage, origins: readonly string[]): boolean {
  return req.headers.origin !== undefined && origins.includes(req.headers.origin)
}

/** Answers a preflight request (`OPTIONS` with `Access-Control-Request-Method`) as `cors` does: 204, no body. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): void {
  applyCors(req, res, origins)
  res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS)
  const requestedHeaders = req.headers['access-control-request-headers']
  if (requestedHeaders) {
    res.setHeader('Access-Control-Allow-Headers', requestedHeaders)
    res.setHeader('Vary', 'Origin, Access-Control-Request-Headers')
  }
  // Chrome asks before a public site (the Actions Tester) calls a loopback server; the `cors` package that the CLI
  // uses does not answer, which Chrome tolerates for now. Answering for allowed origins costs nothing.
  if (req.headers['access-control-request-private-network'] === 'true' && isAllowedOrigin(req, origins)) {
    res.setHeader('Access-Control-Allow-Private-Network', 'true')
  }
  res.setHeader('Content-Length', '0')
  res.writeHead(204)
  res.end()
}

export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
}
