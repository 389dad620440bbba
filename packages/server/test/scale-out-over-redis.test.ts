/**
 * Several instances joined by a real redis-server: stock clients spread over them converge, every
 * instance serves the same text, awareness crosses (removal included), a room first loaded on one
 * instance after edits on another is complete, an instance started while Redis is down joins once
 * it is up, and when Redis goes down and comes back while people type on two instances, everyone
 * converges with every edit, and /healthz said so meanwhile.
 *
 * The instances here share one in-process store (what a PostgreSQL database is to processes):
 * this pins the fan-out; the process-level tests on PostgreSQL are in scale-out-*.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { useRedis } from '@cowrite/testing'
import { createMemoryStorage, type Storage } from '../src/index.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { createRandom, int, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const redis = useRedis()

/** One store for every instance of a test; closed once, after them. */
function sharedStore(): Storage {
  const inner = createMemoryStorage()
  scope.defer(() => inner.close())
  return { ...inner, shared: true, close: async () => {} }
}

async function instances(count: number, storage: Storage): Promise<TestServer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startServer(scope, { storage, redis: redis().url, instanceId: `instance-${i}` })))
}

function texts(clients: readonly StockClient[]): string[] {
  return clients.map((client) => client.text.toString())
}

async function serverText(server: TestServer, room: string): Promise<string> {
  return (await server.get(`/api/rooms/${room}/text`)).text
}

describe('instances joined by Redis', () => {
  it('converge under seeded concurrent edits, and every instance serves the same text', async () => {
    const seed = testSeed(77)
    const random = createRandom(seed)
    const servers = await instances(3, sharedStore())
    const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => connectClient(scope, servers[i % 3]!.wsUrl, 'spread')))
    for (let step = 0; step < 300; step++) {
      const text = clients[int(random, 0, clients.length - 1)]!.text
      if (text.length > 0 && int(random, 0, 3) === 0) text.delete(int(random, 0, text.length - 1), 1)
      else text.insert(int(random, 0, text.length), String.fromCharCode(97 + int(random, 0, 25)))
      if (step % 20 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await waitUntil(`seed ${seed}: every client has the same text`, () => new Set(texts(clients)).size === 1, {
      on: clients.map((client) => [client.doc, 'update'] as const),
      timeoutMs: 10_000,
    })
    const expected = clients[0]!.text.toString()
    expect(expected.length).toBeGreaterThan(0)
    for (const server of servers) await waitUntil('the instance serves it', async () => (await serverText(server, 'spread')) === expected)
    const health = (await servers[0]!.get('/healthz')).json<{ ok: boolean; instance: string; redis: string; storage: string }>()
    expect(health).toEqual({ ok: true, instance: 'instance-0', redis: 'ok', storage: 'ok' })
  })

  it('carry awareness across, and its removal when a socket closes', async () => {
    const [a, b] = await instances(2, sharedStore())
    const ada = await connectClient(scope, a!.wsUrl, 'presence', { user: { name: 'Ada', color: '#f00' } })
    const bob = await connectClient(scope, b!.wsUrl, 'presence', { user: { name: 'Bob', color: '#00f' } })
    await waitUntil('Bob sees Ada', () => bob.awareness.getStates().has(ada.doc.clientID), { on: [[bob.awareness, 'change']] })
    await waitUntil('Ada sees Bob', () => ada.awareness.getStates().has(bob.doc.clientID), { on: [[ada.awareness, 'change']] })
    ada.destroy()
    await waitUntil('Bob no longer sees Ada', () => !bob.awareness.getStates().has(ada.doc.clientID), { on: [[bob.awareness, 'change']], timeoutMs: 2_000 })
    const users = (await b!.get('/api/rooms/presence')).json<{ users: Array<{ name: string }> }>().users
    expect(users.map((user) => user.name)).toEqual(['Bob'])
  })

  it('load a room on one instance complete after edits on another', async () => {
    const [a, b] = await instances(2, sharedStore())
    const writer = await connectClient(scope, a!.wsUrl, 'late')
    writer.text.insert(0, 'written on A')
    await waitUntil('A stored it', async () => (await serverText(a!, 'late')) === 'written on A')
    const reader = await connectClient(scope, b!.wsUrl, 'late')
    expect(reader.text.toString()).toBe('written on A')
    writer.text.insert(0, '> ')
    await waitUntil('B relays the next edit live', () => reader.text.toString() === '> written on A', { on: [[reader.doc, 'update']] })
  })

  it('start while Redis is down, serve their own clients, and join the others once it is up', async () => {
    const storage = sharedStore()
    const [a] = await instances(1, storage)
    const onA = await connectClient(scope, a!.wsUrl, 'late-redis')
    await redis().down()
    const b = await startServer(scope, { storage, redis: redis().url, instanceId: 'started-without-redis' })
    expect((await b.get('/healthz')).status).toBe(503)
    const onB = await connectClient(scope, b.wsUrl, 'late-redis')
    onB.text.insert(0, 'typed on B without Redis. ')
    onA.text.insert(0, 'typed on A without Redis. ')
    await waitUntil('B stored its edit', async () => (await serverText(b, 'late-redis')).includes('on B'))
    await redis().up()
    await waitUntil('both clients converge with both edits', () => onA.text.toString() === onB.text.toString() && onA.text.toString().includes('on B'), {
      on: [
        [onA.doc, 'update'],
        [onB.doc, 'update'],
      ],
      timeoutMs: 15_000,
    })
    expect(onB.text.toString()).toContain('on A')
    await waitUntil('B is healthy', async () => (await b.get('/healthz')).status === 200, { timeoutMs: 10_000 })
  })

  it('keep serving through a Redis outage, say so on /healthz, and converge with every edit once it is back', async () => {
    const [a, b] = await instances(2, sharedStore())
    const onA = await connectClient(scope, a!.wsUrl, 'outage')
    const onB = await connectClient(scope, b!.wsUrl, 'outage')
    onA.text.insert(0, 'a0 ')
    await waitUntil('B has the first edit', () => onB.text.toString() === 'a0 ', { on: [[onB.doc, 'update']] })

    await redis().down()
    await waitUntil('A reports Redis on /healthz', async () => (await a!.get('/healthz')).status === 503)
    const health = (await a!.get('/healthz')).json<{ ok: boolean; redis: string; storage: string }>()
    expect(health.ok).toBe(false)
    expect(health.redis).toMatch(/^redis unreachable/)
    expect(health.storage).toBe('ok')
    // Both keep typing; each instance stores its own clients' edits.
    for (let i = 1; i <= 5; i++) {
      onA.text.insert(onA.text.length, `a${i} `)
      onB.text.insert(0, `b${i} `)
    }
    await waitUntil('A stored its edits', async () => (await serverText(a!, 'outage')).includes('a5'))
    await waitUntil('B stored its edits', async () => (await serverText(b!, 'outage')).includes('b5'))

    await redis().up()
    await waitUntil('both clients converge with every edit', () => onA.text.toString() === onB.text.toString(), {
      on: [
        [onA.doc, 'update'],
        [onB.doc, 'update'],
      ],
      timeoutMs: 15_000,
    })
    const text = onA.text.toString()
    for (let i = 0; i <= 5; i++) expect(text).toContain(`a${i} `)
    for (let i = 1; i <= 5; i++) expect(text).toContain(`b${i} `)
    await waitUntil('A is healthy again', async () => (await a!.get('/healthz')).status === 200, { timeoutMs: 10_000 })
    expect(a!.logs.matching('redis connection lost')).toHaveLength(1)
    expect(a!.logs.matching('redis connection restored')).toHaveLength(1)
    // And live relaying works again.
    onA.text.insert(0, '!')
    await waitUntil('B gets a live edit after the outage', () => onB.text.toString() === onA.text.toString(), { on: [[onB.doc, 'update']] })
  })
})
