import nock from 'nock'
import tls from 'tls'

/**
 * For the tests of the enclosing `describe` (or file) that run a dry run. nock sits in front of the dry-run agent (on
 * Node's http.request): let requests to Woopra through it, so that what answers is the dry run. Were the dry run
 * broken, the TLS spy keeps the request off the network and fails the test.
 */
export function keepDryRunOffTheNetwork(scope: 'each test' | 'whole suite' = 'each test'): void {
  // 'whole suite' when the suite's events are sent in a beforeAll that several tests then read.
  const [before, after] = scope === 'each test' ? [beforeEach, afterEach] : [beforeAll, afterAll]
  let tlsConnect: jest.SpyInstance
  before(() => {
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host === 'www.woopra.com:443')
    tlsConnect = jest.spyOn(tls, 'connect').mockImplementation(() => {
      throw new Error('Dry run opened a TLS connection')
    })
  })
  after(() => {
    try {
      expect(tlsConnect).not.toHaveBeenCalled()
    } finally {
      tlsConnect.mockRestore()
      nock.enableNetConnect('127.0.0.1')
    }
  })
}
