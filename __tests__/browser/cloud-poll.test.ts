import { createCloudPoller } from '../../src/server/page/cloud-poll'
import type { RecentEntry } from '../../src/server/page/recent-deliveries'

// The development page's poll of /dev/requests, without a browser: a slow answer must not let the timer's next
// polls ask again from the same point, and no entry may be handed on twice.

function request(seq: number): RecentEntry {
  return {
    seq,
    kind: 'request',
    time: '',
    method: 'GET',
    url: `https://www.woopra.com/track/ce?n=${seq}`,
    headers: {},
    body: ''
  }
}

/** A /dev/requests whose answers the test gives, one per question, in order. */
function heldServer() {
  const questions: { since: number; answer: (entries: RecentEntry[], next: number) => void }[] = []
  const fetchRecent = (since: number) =>
    new Promise<{ entries: RecentEntry[]; next: number }>((resolve) =>
      questions.push({ since, answer: (entries, next) => resolve({ entries, next }) })
    )
  return { questions, fetchRecent }
}

it('asks once while an answer is slow, and hands each entry on once', async () => {
  const server = heldServer()
  const handed: number[] = []
  const poller = createCloudPoller(server.fetchRecent, (entries) => handed.push(...entries.map((entry) => entry.seq)))

  const polls = [poller.poll(), poller.poll(), poller.poll(), poller.poll()]
  expect(server.questions.map((question) => question.since)).toEqual([0])
  server.questions[0].answer([request(1), request(2)], 2)
  await Promise.all(polls)
  expect(handed).toEqual([1, 2])
  expect(poller.counts).toEqual({ asked: 4, sent: 1, skipped: 3 })

  const next = poller.poll()
  expect(server.questions.map((question) => question.since)).toEqual([0, 2])
  // An answer that repeats entries already handed on (as a second poll from the same point would get).
  server.questions[1].answer([request(1), request(2), request(3)], 3)
  await next
  expect(handed).toEqual([1, 2, 3])
})

it('starts over with a server that was restarted (its numbers begin at 1 again)', async () => {
  const server = heldServer()
  const handed: number[] = []
  const poller = createCloudPoller(server.fetchRecent, (entries) => handed.push(...entries.map((entry) => entry.seq)))
  let poll = poller.poll()
  server.questions[0].answer([request(1), request(2), request(3)], 3)
  await poll
  poll = poller.poll()
  server.questions[1].answer([], 1)
  await poll
  poll = poller.poll()
  expect(server.questions[2].since).toBe(0)
  server.questions[2].answer([request(1)], 1)
  await poll
  expect(handed).toEqual([1, 2, 3, 1])
})

it('polls again after a failed poll', async () => {
  let calls = 0
  const poller = createCloudPoller(
    () => {
      calls++
      return calls === 1 ? Promise.reject(new Error('connection refused')) : Promise.resolve(undefined)
    },
    () => undefined
  )
  await expect(poller.poll()).rejects.toThrow('connection refused')
  await poller.poll()
  expect(calls).toBe(2)
})
