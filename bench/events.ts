import { createHash } from 'crypto'
import type { SegmentEvent } from '@segment/actions-core'

// The fixed mix of Segment events every path sends: generated once, from a seed, so that every path and every
// process sees exactly the same events. About 60% track, 25% page and 15% identify, shaped like analytics.js output.

export const DEFAULT_SEED = 20240517

/** mulberry32: a small, fast, deterministic PRNG (uniform in [0, 1)). */
function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Rng {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = prng(seed)
  }
  float(): number {
    return this.next()
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  chance(probability: number): boolean {
    return this.next() < probability
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }
  hex(length: number): string {
    let out = ''
    for (let i = 0; i < length; i++) out += Math.floor(this.next() * 16).toString(16)
    return out
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`
  }
  word(): string {
    return this.pick(WORDS)
  }
  words(min: number, max: number): string {
    const count = this.int(min, max)
    const out: string[] = []
    for (let i = 0; i < count; i++) out.push(this.word())
    return out.join(' ')
  }
}

const WORDS = [
  'summer', 'denim', 'jacket', 'classic', 'organic', 'cotton', 'running', 'shoe', 'wireless', 'headphones',
  'kitchen', 'espresso', 'leather', 'wallet', 'travel', 'backpack', 'smart', 'watch', 'garden', 'lamp',
  'premium', 'plan', 'annual', 'report', 'guide', 'pricing', 'features', 'blog', 'release', 'notes',
  'München', 'café', 'naïve', 'Zürich', 'São', 'Paulo', '東京', 'straße', 'crème', 'brûlée'
] // prettier-ignore

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15'
]
const LOCALES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'pt-BR', 'ja-JP', 'es-ES']
const HOSTS = ['shop.example.com', 'www.example.com', 'app.example.com']
const REFERRERS = [
  'https://www.google.com/',
  'https://www.bing.com/search?q=denim+jacket',
  'https://t.co/x9Lk2',
  'https://news.ycombinator.com/item?id=40012345',
  'https://www.facebook.com/'
]
const TRACK_EVENTS = [
  'Product Viewed', 'Product Added', 'Product Clicked', 'Cart Viewed', 'Checkout Started', 'Order Completed',
  'Signed Up', 'Video Played', 'Button Clicked', 'Search Performed', 'Coupon Applied', 'Form Submitted'
] // prettier-ignore
const CATEGORIES = ['Apparel', 'Footwear', 'Electronics', 'Home & Kitchen', 'Accessories', 'Outdoor']
const PAGE_SECTIONS = ['Products', 'Docs', 'Blog', 'Pricing', 'Account']
const PLANS = ['free', 'starter', 'pro', 'enterprise']
const FIRST_NAMES = ['Ana', 'Jürgen', 'Mei', 'Oluwaseun', 'Chloé', 'Rahul', 'Sofía', 'Liam', 'Yuki', 'Noah']
const LAST_NAMES = ['García', 'Müller', 'Tanaka', 'Okafor', 'Dubois', 'Sharma', 'Rossi', 'Smith', 'Kowalski']

const BASE_TIME = Date.UTC(2024, 4, 17, 9, 0, 0)

/** A name as an email local part: lower case, accents stripped. */
const ascii = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[^a-z]/gi, '')
    .toLowerCase()

interface Visitor {
  anonymousId: string
  userId?: string
  email?: string
  ip: string
  userAgent: string
  locale: string
}

function visitor(rng: Rng, index: number): Visitor {
  const known = rng.chance(0.65)
  return {
    anonymousId: rng.uuid(),
    userId: known ? `user_${100000 + index}` : undefined,
    email: known ? `${ascii(rng.pick(FIRST_NAMES))}.${index}@example.org` : undefined,
    ip: `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    userAgent: rng.pick(USER_AGENTS),
    locale: rng.pick(LOCALES)
  }
}

function pageOf(rng: Rng) {
  const host = rng.pick(HOSTS)
  // As location.href gives it: percent-encoded.
  const path = `/${rng.pick(PAGE_SECTIONS).toLowerCase()}/${encodeURIComponent(rng.word())}-${rng.int(1, 999)}`
  const search = rng.chance(0.4) ? `?utm_source=${rng.pick(['google', 'newsletter', 'twitter'])}&ref=${rng.hex(6)}` : ''
  return {
    path,
    referrer: rng.pick(REFERRERS),
    search,
    title: `${rng.words(2, 5)} | Example`,
    url: `https://${host}${path}${search}`
  }
}

function context(rng: Rng, v: Visitor, page: ReturnType<typeof pageOf>) {
  return {
    ip: v.ip,
    userAgent: v.userAgent,
    locale: v.locale,
    page,
    library: { name: 'analytics.js', version: 'next-1.64.0' },
    ...(rng.chance(0.3)
      ? { campaign: { source: 'newsletter', medium: 'email', name: `spring-${rng.int(1, 9)}` } }
      : {}),
    ...(v.email && rng.chance(0.3) ? { traits: { email: v.email } } : {})
  }
}

function common(rng: Rng, v: Visitor, index: number) {
  const timestamp = new Date(BASE_TIME - index * 1597 - rng.int(0, 999)).toISOString()
  return {
    messageId: `bench-${index}-${rng.hex(10)}`,
    anonymousId: v.anonymousId,
    ...(v.userId ? { userId: v.userId } : {}),
    timestamp,
    sentAt: timestamp,
    receivedAt: timestamp,
    integrations: {}
  }
}

function trackProperties(rng: Rng, name: string, v: Visitor): Record<string, unknown> {
  const price = Math.round(rng.float() * 20000) / 100
  const quantity = rng.int(1, 4)
  const props: Record<string, unknown> = {
    product_id: `prod_${rng.hex(8)}`,
    sku: `SKU-${rng.int(10000, 99999)}`,
    name: rng.words(2, 4),
    category: rng.pick(CATEGORIES),
    brand: rng.word(),
    price,
    quantity,
    currency: rng.pick(['USD', 'EUR', 'GBP', 'BRL', 'JPY'])
  }
  const optional: Array<[string, () => unknown]> = [
    ['variant', () => rng.pick(['red', 'blue', 'black', 'M', 'L', 'XL'])],
    ['position', () => rng.int(1, 24)],
    ['on_sale', () => rng.chance(0.3)],
    ['rating', () => Math.round(rng.float() * 50) / 10],
    ['coupon', () => `SPRING${rng.int(10, 50)}`],
    ['image_url', () => `https://cdn.example.com/img/${rng.hex(16)}.jpg`],
    ['url', () => `https://shop.example.com/p/${rng.hex(8)}`],
    ['in_stock', () => rng.chance(0.8)],
    ['tags', () => [rng.word(), rng.word(), rng.word()]],
    ['dimensions', () => ({ width_cm: rng.int(10, 90), height_cm: rng.int(10, 90), weight_kg: rng.float() * 5 })],
    ['delivery_date', () => new Date(BASE_TIME + rng.int(1, 14) * 86400000).toISOString()],
    ['search_query', () => rng.words(1, 3)]
  ]
  const extra = rng.int(0, 7) // 8 to 15 properties in all
  for (let added = 0; added < extra; ) {
    const [key, make] = rng.pick(optional)
    if (key in props) continue
    props[key] = make()
    added++
  }
  if (name === 'Order Completed' || name === 'Checkout Started') {
    props.order_id = `ord_${rng.hex(10)}`
    props.revenue = Math.round(price * quantity * 100) / 100
    props.products = [
      { product_id: props.product_id, price, quantity, name: props.name, category: props.category },
      { product_id: `prod_${rng.hex(8)}`, price: 9.99, quantity: 1, name: rng.words(1, 3), category: 'Accessories' }
    ]
  }
  if (v.email && rng.chance(0.1)) props.email = v.email
  return props
}

function trackEvent(rng: Rng, v: Visitor, index: number): SegmentEvent {
  const event = rng.pick(TRACK_EVENTS)
  return {
    ...common(rng, v, index),
    type: 'track',
    event,
    properties: trackProperties(rng, event, v),
    context: context(rng, v, pageOf(rng))
  } as SegmentEvent
}

function pageEvent(rng: Rng, v: Visitor, index: number): SegmentEvent {
  const page = pageOf(rng)
  const named = rng.chance(0.6)
  const properties: Record<string, unknown> = { ...page }
  if (rng.chance(0.5)) properties.section = rng.pick(PAGE_SECTIONS)
  if (rng.chance(0.3)) properties.author = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`
  if (rng.chance(0.2)) properties.published_at = new Date(BASE_TIME - rng.int(1, 400) * 86400000).toISOString()
  return {
    ...common(rng, v, index),
    type: 'page',
    ...(named ? { name: rng.words(1, 3) } : {}),
    ...(named && rng.chance(0.5) ? { category: rng.pick(PAGE_SECTIONS) } : {}),
    properties,
    context: context(rng, v, page)
  } as SegmentEvent
}

function identifyEvent(rng: Rng, v: Visitor, index: number): SegmentEvent {
  const first = rng.pick(FIRST_NAMES)
  const last = rng.pick(LAST_NAMES)
  const traits: Record<string, unknown> = {
    email: v.email ?? `${ascii(first)}.${index}@example.net`,
    ...(rng.chance(0.5) ? { name: `${first} ${last}` } : { firstName: first, lastName: last }),
    phone: `+1-555-${rng.int(100, 999)}-${rng.int(1000, 9999)}`,
    title: rng.pick(['Engineer', 'Head of Growth', 'CTO', 'Designer', 'Analyst']),
    plan: rng.pick(PLANS),
    logins: rng.int(1, 500),
    verified: rng.chance(0.7),
    createdAt: new Date(BASE_TIME - rng.int(1, 900) * 86400000).toISOString(),
    company: { name: `${rng.word()} ${rng.pick(['GmbH', 'Inc.', 'Ltd', 'S.A.'])}`, industry: rng.word() },
    avatar: `https://cdn.example.com/u/${rng.hex(12)}.png`
  }
  if (rng.chance(0.3)) traits.address = { city: rng.pick(['München', 'São Paulo', 'Zürich', 'Austin']), country: 'XX' }
  if (rng.chance(0.3)) traits.age = rng.int(18, 80)
  const page = pageOf(rng)
  return {
    ...common(rng, v, index),
    userId: v.userId ?? `user_${100000 + index}`,
    type: 'identify',
    traits,
    context: context(rng, v, page)
  } as SegmentEvent
}

/** The mix: `count` events from `seed`, about 60% track, 25% page and 15% identify, from a pool of visitors. */
export function generateMix(count: number, seed = DEFAULT_SEED): SegmentEvent[] {
  const rng = new Rng(seed)
  const visitors: Visitor[] = []
  for (let i = 0; i < Math.max(50, Math.ceil(count / 8)); i++) visitors.push(visitor(rng, i))
  const events: SegmentEvent[] = []
  for (let i = 0; i < count; i++) {
    const v = rng.pick(visitors)
    const roll = rng.float()
    if (roll < 0.6) events.push(trackEvent(rng, v, i))
    else if (roll < 0.85) events.push(pageEvent(rng, v, i))
    else events.push(identifyEvent(rng, v, i))
  }
  return events
}

/** A short digest of the events, to show that every process sends the same mix (and that no path changed it). */
export function mixDigest(events: readonly SegmentEvent[]): string {
  return createHash('sha256').update(JSON.stringify(events)).digest('hex').slice(0, 16)
}

/** Counts and sizes of the mix, for the report. */
export function describeMix(events: readonly SegmentEvent[]) {
  const byType: Record<string, number> = {}
  let propertyCount = 0
  let bytes = 0
  for (const event of events) {
    byType[event.type] = (byType[event.type] ?? 0) + 1
    propertyCount += Object.keys((event.type === 'identify' ? event.traits : event.properties) ?? {}).length
    bytes += JSON.stringify(event).length
  }
  return {
    events: events.length,
    byType,
    meanPropertiesOrTraits: Math.round((propertyCount / events.length) * 10) / 10,
    meanEventJsonBytes: Math.round(bytes / events.length)
  }
}
