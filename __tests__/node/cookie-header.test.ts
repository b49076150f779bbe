import { parseCookie, readWoopraCookie } from '../../src/node'

describe('parseCookie', () => {
  it.each([
    ['the only cookie', 'wooTracker=Zx81Qa7Lm0Pw', 'Zx81Qa7Lm0Pw'],
    ['among others, spaces around', '_ga=GA1.2.3; wooTracker = Zx81Qa7Lm0Pw ;theme=dark', 'Zx81Qa7Lm0Pw'],
    ['without a space after the semicolons', 'a=1;wooTracker=Zx81Qa7Lm0Pw;b=2', 'Zx81Qa7Lm0Pw'],
    ['in double quotes', 'wooTracker="Zx81Qa7Lm0Pw"', 'Zx81Qa7Lm0Pw'],
    ['percent-encoded', 'wooTracker=a%20b%3Bc%C3%A9', 'a b;cé'],
    ['not valid percent-encoding: as written', 'wooTracker=100%zz', '100%zz'],
    ['with = in the value', 'wooTracker=a=b=c', 'a=b=c'],
    ['twice: the first non-empty one', 'wooTracker=; wooTracker=  ; wooTracker=first; wooTracker=second', 'first'],
    ['twice, the first only quotes', 'wooTracker=""; wooTracker=second', 'second'],
    ['after a cookie whose value holds the name', 'x=wooTracker=evil; wooTracker=real', 'real'],
    ['after a pair without =', 'junk; wooTracker=real', 'real']
  ])('reads the cookie %s', (_, header, expected) => {
    expect(parseCookie(header, 'wooTracker')).toBe(expected)
  })

  it.each([
    ['no header', ''],
    ['other cookies only', 'a=1; b=2'],
    ['a name that only contains it', 'xwooTracker=1; wooTrackerx=2; wootracker=3'],
    ['an empty value', 'wooTracker='],
    ['only whitespace', 'wooTracker=%20%20'],
    ['the name without a value', 'wooTracker'],
    ['a value longer than a browser keeps', `wooTracker=${'a'.repeat(5000)}`]
  ])('finds nothing for %s', (_, header) => {
    expect(parseCookie(header, 'wooTracker')).toBeUndefined()
  })

  it('reads a cookie after a megabyte of others, and one that is not there, in one pass each', () => {
    const others = Array.from({ length: 40000 }, (_, index) => `c${index}=${'v'.repeat(20)}`).join('; ')
    expect(others.length).toBeGreaterThan(1_000_000)
    expect(parseCookie(`${others}; wooTracker=last`, 'wooTracker')).toBe('last')
    expect(parseCookie(others, 'wooTracker')).toBeUndefined()
    // One huge segment, no separators at all (no quadratic rescans, no regular expression to backtrack).
    expect(parseCookie('='.repeat(2_000_000), 'wooTracker')).toBeUndefined()
    expect(parseCookie(';'.repeat(2_000_000) + 'wooTracker=x', 'wooTracker')).toBe('x')
  })
})

describe('readWoopraCookie', () => {
  it('reads the Cookie header of a request, by the default name or another', () => {
    const request = { headers: { cookie: 'wooTracker=default1; myWoo=custom1' } }
    expect(readWoopraCookie(request)).toBe('default1')
    expect(readWoopraCookie(request, 'myWoo')).toBe('custom1')
    expect(readWoopraCookie(request, '  ')).toBe('default1')
  })

  it('reads repeated Cookie headers given as a list', () => {
    expect(readWoopraCookie({ headers: { cookie: ['a=1', 'wooTracker=fromSecond'] } })).toBe('fromSecond')
  })

  it('finds nothing in a request without a Cookie header, or with one that is not text', () => {
    expect(readWoopraCookie({ headers: {} })).toBeUndefined()
    expect(readWoopraCookie({ headers: { cookie: 42 } })).toBeUndefined()
    expect(readWoopraCookie(undefined)).toBeUndefined()
  })
})
