/**
 * Three `cowrite serve` processes on one PostgreSQL database and one Redis, behind a real nginx
 * with the configuration docs/self-hosting.md documents. Stock clients (some through nginx, some
 * on an instance directly) converge under seeded concurrent edits and every instance serves the
 * same text; a viewer's stream on one instance sees edits made on another, and a resume on a
 * third has no gap and no duplicate; `kill -9` of the instance a room lives on loses nothing any
 * client had received, its clients come back through nginx on another instance and converge,
 * and the awareness states it relayed vanish on the others within 15 s.
 */
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import type { EditEvent } from '@cowrite/protocol'
import { startNginx, usePostgresCluster, useRedis, type Nginx } from '@cowrite/testing'
import { createPostgresStorage } from '../src/storage/postgres.js'
import { textOf } from '../src/rooms/stored-text.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { startCowrite, type CowriteProcess } from './helpers/cowrite-process.js'
import { awarenessFrame } from './helpers/frames.js'
import { createRandom, int, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { openSse } from './helpers/sse.js'
import { openSocket } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const postgres = usePostgresCluster()
const redis = useRedis()

interface Cluster {
  database: string
  instances: CowriteProcess[]
  nginx: Nginx
  wsUrl: string
}

async function cluster(count = 3): Promise<Cluster> {
  const database = await postgres.database()
  const instances: CowriteProcess[] = []
  for (let i = 0; i < count; i++) {
    instances.push(await startCowrite(scope, ['--storage', database, '--redis', redis().url, '--instance-id', `instance-${i}`]))
  }
  const nginx = await startNginx(instances.map((instance) => `127.0.0.1:${instance.port}`))
  scope.defer(() => nginx.stop())
  return { database, instances, nginx, wsUrl: nginx.url.replace(/^http/, 'ws') }
}

async function text(url: string, room: string): Promise<string> {
  return (await fetch(`${url}/api/rooms/${room}/text`)).text()
}

/** The instance serving a room's sockets: the one that counts connections to it. */
async function hosting(instances: readonly CowriteProcess[], room: string): Promise<CowriteProcess[]> {
  const counts = await Promise.all(
    instances.map(async (instance) => ((await (await fetch(`${instance.url}/api/rooms/${room}`)).json()) as { connections?: number }).connections ?? 0),
  )
  return instances.filter((_, i) => counts[i]! > 0)
}

async function storedText(database: string, room: string): Promise<string> {
  const storage = await createPostgresStorage({ url: database })
  try {
    return textOf(await storage.load(room))
  } finally {
    await storage.close()
  }
}

describe('three instances behind nginx', () => {
  it('converge, serve the same text, and stream every instance\'s activity with resume anywhere', { timeout: 60_000 }, async () => {
    const seed = testSeed(2026)
    const random = createRandom(seed)
    const { instances, wsUrl } = await cluster()
    const viewer = await openSse(scope, `${instances[0]!.url}/api/rooms/shared/activity`)
    const clients: StockClient[] = []
    for (let i = 0; i < 3; i++) clients.push(await connectClient(scope, wsUrl, 'shared', { user: { name: `via-nginx-${i}`, color: '#f00' } }))
    for (const instance of instances) clients.push(await connectClient(scope, instance.wsUrl, 'shared', { user: { name: `on-${instance.port}`, color: '#00f' } }))
    expect((await hosting(instances, 'shared')).length, 'clients are spread over every instance').toBe(3)

    for (let step = 0; step < 200; step++) {
      const writer = clients[int(random, 0, clients.length - 1)]!.text
      if (writer.length > 0 && int(random, 0, 3) === 0) writer.delete(int(random, 0, writer.length - 1), 1)
      else writer.insert(int(random, 0, writer.length), String.fromCharCode(97 + int(random, 0, 25)))
      if (step % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await waitUntil(`seed ${seed}: every client has the same text`, () => new Set(clients.map((client) => client.text.toString())).size === 1, {
      on: clients.map((client) => [client.doc, 'update'] as const),
      timeoutMs: 20_000,
    })
    const expected = clients[0]!.text.toString()
    for (const instance of instances) await waitUntil(`instance ${instance.port} serves it`, async () => (await text(instance.url, 'shared')) === expected)

    // The viewer on instance 0 saw edits from every client, whichever instance it is on.
    const authors = new Set(clients.map((_, i) => (i < 3 ? `via-nginx-${i}` : `on-${instances[i - 3]!.port}`)))
    const edits = () => viewer.events().filter((event): event is EditEvent => event.type === 'edit')
    await viewer.waitFor('edits by every author', () => [...authors].every((name) => edits().some((edit) => edit.user?.name === name)), 15_000)
    const ids = viewer.events().flatMap((event) => ('id' in event ? [event.id] : []))
    expect(ids, 'in id order, each once').toEqual([...new Set(ids)].sort((a, b) => a - b))

    // Resume on another instance from the middle: exactly the rest, no gap, no duplicate.
    const middle = ids[Math.floor(ids.length / 2)]!
    const resumed = await openSse(scope, `${instances[2]!.url}/api/rooms/shared/activity`, { 'Last-Event-ID': String(middle) })
    const rest = ids.filter((id) => id > middle)
    const replayed = await resumed.waitFor('the rest of the events', (events) => events.filter((event) => 'id' in event).length >= rest.length)
    expect(replayed.flatMap((event) => ('id' in event ? [event.id] : [])).slice(0, rest.length)).toEqual(rest)
  })

  it('lose nothing when the room\'s instance is killed: its clients move on through nginx and its awareness vanishes', { timeout: 60_000 }, async () => {
    const { database, instances, wsUrl } = await cluster()
    const ada = await connectClient(scope, wsUrl, 'doomed', { user: { name: 'Ada', color: '#f00' } })
    // A client that will not come back: a raw socket through nginx announcing one awareness state.
    const ghost = await openSocket(scope, wsUrl, 'doomed')
    ghost.send(awarenessFrame([{ clientID: 4242, clock: 1, json: JSON.stringify({ user: { name: 'Ghost', color: '#888' } }) }]))
    const [victim] = await hosting(instances, 'doomed')
    expect(victim).toBeDefined()
    const survivor = instances.find((instance) => instance !== victim)!
    const bob = await connectClient(scope, survivor.wsUrl, 'doomed', { user: { name: 'Bob', color: '#00f' } })
    await waitUntil('Bob sees the ghost', () => bob.awareness.getStates().has(4242), { on: [[bob.awareness, 'change']] })

    // Ada types; mid-typing, her instance dies.
    let typed = 0
    const typing = setInterval(() => ada.text.insert(ada.text.length, String(typed++ % 10)), 5)
    await waitUntil('Bob has some of it', () => bob.text.length > 50, { on: [[bob.doc, 'update']] })
    await victim!.kill()
    clearInterval(typing)
    const killedAt = Date.now()
    const bobHad = bob.text.toString()
    expect(ghost.readyState === WebSocket.OPEN || ghost.readyState === WebSocket.CLOSING || ghost.readyState === WebSocket.CLOSED).toBe(true)

    // Everything Bob had received is stored (Ada only appends: his text is a prefix of the store's).
    const stored = await storedText(database, 'doomed')
    expect(stored.startsWith(bobHad), `stored ${stored.length} characters, Bob had ${bobHad.length}`).toBe(true)

    // Ada reconnects through nginx, lands on a live instance, and converges with Bob.
    await waitUntil('Ada and Bob converge', () => ada.provider.wsconnected && ada.text.toString() === bob.text.toString(), {
      on: [
        [ada.doc, 'update'],
        [bob.doc, 'update'],
        [ada.provider, 'status'],
      ],
      timeoutMs: 20_000,
    })
    expect(ada.text.length).toBe(typed)
    // The ghost's state, relayed by the dead instance, vanishes on Bob's within 15 s.
    await waitUntil('Bob no longer sees the ghost', () => !bob.awareness.getStates().has(4242), { on: [[bob.awareness, 'change']], timeoutMs: 15_000 })
    expect(Date.now() - killedAt).toBeLessThan(15_000)
    // And Ada, who came back, is visible to Bob again.
    await waitUntil('Bob sees Ada', () => bob.awareness.getStates().has(ada.doc.clientID), { on: [[bob.awareness, 'change']] })
  })
})
