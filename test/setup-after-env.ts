import nock from 'nock'

// Same behaviour as the monorepo's destination-actions test setup: no network but loopback, fresh mocks per test.
beforeEach(() => {
  nock.cleanAll()
})

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
  if (!nock.isActive()) {
    nock.activate()
  }
})

afterAll(() => {
  nock.restore()
  nock.enableNetConnect()
  nock.cleanAll()
})
