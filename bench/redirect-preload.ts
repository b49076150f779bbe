import { installRedirect } from './redirect'

// `node -r ts-node/register/transpile-only -r ./bench/redirect-preload.ts …`: runs any command (here the replay CLI)
// with its Woopra requests redirected to a local sink, as the bench's own processes are. Tests and the replay bench
// use it; it does nothing without WOOPRA_REDIRECT_PORT.

const port = Number(process.env.WOOPRA_REDIRECT_PORT)
if (Number.isInteger(port) && port > 0) {
  installRedirect(port, undefined, Math.max(1, Number(process.env.WOOPRA_REDIRECT_SOCKETS) || 64))
}
