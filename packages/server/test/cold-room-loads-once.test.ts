/**
 * Many clients arriving at a room that is not loaded: storage is asked for it once (a map of
 * loads in progress), every client gets the stored document, and a failed load is shared by
 * everyone waiting on it, then tried afresh by the next arrival.
 */
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { Storage } from '../src/index.js'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

/** A store whose loads are counted and slow (a cold disk), so arrivals overlap with a load. */
function countingStorage(inner: Storage, loadDelayMs: number) {
  const loads = new Map<string, number>()
  let failNext = false
  const storage: Storage = {
    ...inner,
    activity: inner.activity,
    async load(room) {
      loads.set(room, (loads.get(room) ?? 0) + 1)
      await delay(loadDelayMs)
      if (failNext) {
        failNext = false
        throw new Error(`EIO: i/o error reading ${room} (simulated)`)
      }
      return inner.load(room)
    },
  }
  return { storage, loads, failNextLoad: () => (failNext = true) }
}

describe('a cold room', () => {
  it('is loaded once for 25 clients arriving together, and each gets the stored text', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const seedStore = createSqliteStorage({ path })
    const seedServer = await startServer(scope, { storage: seedStore })
    const author = await connectClient(scope, seedServer.wsUrl, 'cold')
    author.text.insert(0, 'stored before the restart')
    await waitUntil('the text is stored', async () => (await seedStore.get('cold'))?.length === 25)
    author.destroy()
    await seedServer.close()

    const inner = createSqliteStorage({ path })
    scope.defer(() => inner.close())
    const counting = countingStorage(inner, 150)
    const server = await startServer(scope, { storage: counting.storage, unloadAfterMs: 30 })
    const clients = await Promise.all(Array.from({ length: 25 }, () => connectClient(scope, server.wsUrl, 'cold')))
    expect(counting.loads.get('cold')).toBe(1)
    for (const client of clients) expect(client.text.toString()).toBe('stored before the restart')
    expect(await server.metric('cowrite_rooms')).toBe(1)

    // Later arrivals find it loaded.
    await connectClient(scope, server.wsUrl, 'cold')
    expect(counting.loads.get('cold')).toBe(1)
    expect(await server.metric('cowrite_connections')).toBe(26)
  })

  it('loads again after being unloaded, once per storm', async () => {
    const inner = createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db') })
    scope.defer(() => inner.close())
    const counting = countingStorage(inner, 100)
    const server = await startServer(scope, { storage: counting.storage, unloadAfterMs: 20 })

    for (let storm = 1; storm <= 3; storm++) {
      const clients = await Promise.all(Array.from({ length: 10 }, () => connectClient(scope, server.wsUrl, 'storm')))
      expect(counting.loads.get('storm')).toBe(storm)
      // Each storm adds a line, which the next storm must find.
      expect(clients[0]!.text.toString()).toBe('x'.repeat(storm - 1))
      clients[0]!.text.insert(0, 'x')
      await waitUntil('stored', async () => (await inner.get('storm'))?.length === storm)
      for (const client of clients) client.destroy()
      await waitUntil('the room is unloaded', async () => (await server.metric('cowrite_rooms')) === 0)
    }
  })

  it('shares one failed load among everyone waiting, reports it, and loads afresh for the next client', async () => {
    const inner = createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db') })
    scope.defer(() => inner.close())
    const counting = countingStorage(inner, 100)
    const server = await startServer(scope, { storage: counting.storage })
    counting.failNextLoad()

    const refused = await Promise.all(Array.from({ length: 8 }, () => upgradeStatus(`${server.wsUrl}/flaky`)))
    expect(refused).toEqual(Array(8).fill(503))
    expect(counting.loads.get('flaky')).toBe(1)
    const health = await server.get('/healthz')
    expect(health.status).toBe(503)
    expect(health.json<{ rooms: string[] }>().rooms).toEqual(['flaky'])
    expect(server.logs.matching('room failed to load').filter((line) => line.room === 'flaky').length).toBe(8)

    const client = await connectClient(scope, server.wsUrl, 'flaky')
    expect(client.provider.synced).toBe(true)
    expect(counting.loads.get('flaky')).toBe(2)
    expect((await server.get('/healthz')).status).toBe(200)
  })
})

/** The HTTP status of a WebSocket upgrade (101 when accepted). */
async function upgradeStatus(url: string): Promise<number> {
  const { WebSocket } = await import('ws')
  return new Promise((resolve) => {
    const socket = new WebSocket(url)
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on('upgrade', () => {
      resolve(101)
      socket.terminate()
    })
    socket.on('error', () => {})
  })
}
