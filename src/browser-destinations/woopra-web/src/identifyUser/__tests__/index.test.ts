/**
 * @jest-environment jsdom
 */
import { Context } from '@segment/analytics-next'
import { isoDateTimeToEpochMs } from '../../dates'
import { actionSubscription, pluginsWithTracker, resetPage } from '../../test-utilities'

const defaultSubscription = actionSubscription('identifyUser', 'Identify Calls', 'type = "identify"')

beforeEach(() => {
  resetPage()
})

describe('identifyUser', () => {
  it('identifies the visitor by user ID with a name from first and last name, then pushes at once', async () => {
    const { plugins, tracker, analytics } = await pluginsWithTracker([defaultSubscription])
    const ctx = await analytics.identify('user-1', { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' })

    await plugins[0].identify?.(ctx)

    expect(tracker.calls).toEqual([
      [
        'identify',
        { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', id: 'user-1', name: 'Ada Lovelace' }
      ],
      ['push']
    ])
  })

  it('sends ISO date-time traits and Date traits as epoch milliseconds, and nothing else', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])
    const traits = {
      createdAt: '2015-11-04T09:20:22Z',
      renewsAt: '2015-11-04T10:20:22.5+01:00',
      trialEndsAt: '2015-11-04T09:20', // no zone: UTC
      lastSeen: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)),
      birthday: '1990-05-17', // a date without a time stays text
      notADate: '2015-02-30T10:00:00Z',
      invalidDate: new Date(NaN),
      plan: 'pro',
      seats: 3
    }

    await plugins[0].identify?.(new Context({ type: 'identify', userId: 'user-1', traits }))

    expect(tracker.calls[0]).toEqual([
      'identify',
      {
        createdAt: 1446628822000,
        renewsAt: 1446628822500,
        trialEndsAt: 1446628800000,
        lastSeen: Date.UTC(2020, 0, 2, 3, 4, 5),
        birthday: '1990-05-17',
        notADate: '2015-02-30T10:00:00Z',
        invalidDate: traits.invalidDate,
        plan: 'pro',
        seats: 3,
        id: 'user-1'
      }
    ])
  })

  it('keeps a full name, and the user ID wins over an id trait', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])
    const traits = { id: 'stale', name: 'Ada King', firstName: 'Ada', lastName: 'Lovelace' }

    await plugins[0].identify?.(new Context({ type: 'identify', userId: 'user-1', traits }))

    expect(tracker.calls).toEqual([
      ['identify', { id: 'user-1', name: 'Ada King', firstName: 'Ada', lastName: 'Lovelace' }],
      ['push']
    ])
  })

  it('identifies an anonymous visitor by traits alone', async () => {
    const { plugins, tracker } = await pluginsWithTracker([defaultSubscription])

    await plugins[0].identify?.(new Context({ type: 'identify', traits: { email: 'x@example.com', first_name: 'X' } }))

    expect(tracker.calls).toEqual([['identify', { email: 'x@example.com', first_name: 'X', name: 'X' }], ['push']])
  })

  it('follows a custom mapping', async () => {
    const custom = {
      ...defaultSubscription,
      mapping: {
        user_id: { '@path': '$.traits.accountId' },
        traits: { company: { '@path': '$.traits.company.name' } },
        name: { '@path': '$.traits.displayName' }
      }
    }
    const { plugins, tracker } = await pluginsWithTracker([custom])
    const traits = { accountId: 'acc-9', company: { name: 'Analytical Engines' }, displayName: 'Ada' }

    await plugins[0].identify?.(new Context({ type: 'identify', userId: 'user-1', traits }))

    expect(tracker.calls).toEqual([['identify', { company: 'Analytical Engines', id: 'acc-9', name: 'Ada' }], ['push']])
  })
})

describe('isoDateTimeToEpochMs', () => {
  it.each([
    ['2015-11-04T09:20:22Z', 1446628822000],
    ['2015-11-04T09:20:22.123456Z', 1446628822123],
    ['2015-11-04T09:20:22-0230', 1446637822000],
    ['2015-11-04t09:20:22z', 1446628822000]
  ])('reads %s', (text: string, epochMs: number) => {
    expect(isoDateTimeToEpochMs(text)).toBe(epochMs)
  })

  it.each(['2015-11-04', '2015-11-04T25:00:00Z', '2015-11-04T09:20:22+24:00', 'yesterday', ' 2015-11-04T09:20:22Z'])(
    'leaves %s as text',
    (text: string) => {
      expect(isoDateTimeToEpochMs(text)).toBeUndefined()
    }
  )
})
