/**
 * @jest-environment jsdom
 * @jest-environment-options {"url": "https://www.shop.example.com/pricing?plan=pro"}
 */
import { defaultCookieDomain, visitorCookie } from '../visitor-cookie'

// On an https page of a www. host: the tracker's default cookie domain drops the www., and the cookie is Secure.
// (Jest 27, which the monorepo runs, ignores the page URL above and keeps its own, https://segment.com: the domain is
// then checked as the rule gives it for that host, and the rule itself below.)

it('takes the page host without www. as the default cookie domain', () => {
  expect(defaultCookieDomain('www.shop.example.com')).toBe('.shop.example.com')
  expect(defaultCookieDomain('shop.example.com')).toBe('.shop.example.com')
  expect(defaultCookieDomain('www2.example.com')).toBe('.www2.example.com')
})

afterEach(() => {
  jest.restoreAllMocks()
  document.cookie = `wooTracker=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; domain=${defaultCookieDomain(
    location.hostname
  )}`
})

it('writes the cookie for the host without www. and as Secure on an https page', () => {
  const writes: string[] = []
  const setter = jest.spyOn(document, 'cookie', 'set')
  const write = setter.getMockImplementation()
  setter.mockImplementation(function (this: Document, text: string) {
    writes.push(text)
    write?.call(this, text)
  })

  const id = visitorCookie({})

  expect(id).toMatch(/^[0-9A-Za-z]{12}$/)
  expect(document.cookie).toBe(`wooTracker=${id}`)
  expect(writes).toHaveLength(1)
  expect(location.protocol).toBe('https:')
  const domain = defaultCookieDomain(location.hostname).replace(/\./g, '\\.')
  expect(writes[0]).toMatch(new RegExp(`^wooTracker=${id}; expires=[^;]+ GMT; path=/; domain=${domain}; secure$`))
})

it('reads the cookie back on the next event rather than writing another', () => {
  const id = visitorCookie({ cookieName: ' wooTracker ', cookiePath: ' ' })
  const setter = jest.spyOn(document, 'cookie', 'set')

  expect(visitorCookie({})).toBe(id)
  expect(setter).not.toHaveBeenCalled()
})
