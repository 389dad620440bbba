/**
 * No cursor outlives its owner: however a socket goes (vanished without a close frame, a clean
 * provider.destroy(), a raw socket that never said goodbye), the awareness states it introduced
 * are removed on the server and the removal reaches the others at once, well before any ping
 * round. And a client that comes back with the same clientID is visible again at once.
 */
import { describe, expect, it } from 'vitest'
import { connectClient, seenIds, type StockClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { openSocket } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'
import { awarenessFrame } from './helpers/frames.js'

const scope = useScope()
/** Far below the stock client's 30 s watchdog and the server's 30 s ping round. */
const PROMPTLY_MS = 2_000

function sees(observer: StockClient, id: number): boolean {
  return observer.awareness.getStates().has(id)
}

function waitSees(observer: StockClient, id: number, visible: boolean, timeoutMs = PROMPTLY_MS): Promise<void> {
  return waitUntil(`client ${observer.doc.clientID} ${visible ? 'sees' : 'no longer sees'} ${id}`, () => sees(observer, id) === visible, {
    on: [[observer.awareness, 'change']],
    timeoutMs,
  })
}

async function users(server: TestServer, room: string): Promise<string[]> {
  const { json } = await server.get(`/api/rooms/${room}`)
  return json<{ users: Array<{ name: string }> }>().users.map((user) => user.name).sort()
}

describe('awareness on close', () => {
  it('is removed promptly when a client vanishes without a close frame', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'vanish', { user: { name: 'Ada', color: '#f00' } })
    const bob = await connectClient(scope, server.wsUrl, 'vanish', { user: { name: 'Bob', color: '#00f' } })
    await waitSees(bob, ada.doc.clientID, true)
    expect(await users(server, 'vanish')).toEqual(['Ada', 'Bob'])

    ada.provider.shouldConnect = false // gone for good: no reconnect
    const started = performance.now()
    ada.socket.terminate() // TCP gone, no close frame, no null awareness state
    await waitSees(bob, ada.doc.clientID, false)
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS)
    expect(await users(server, 'vanish')).toEqual(['Bob'])
    expect(seenIds(bob)).toEqual([bob.doc.clientID])

    // A newcomer is not told about Ada either.
    const cy = await connectClient(scope, server.wsUrl, 'vanish', { user: { name: 'Cy', color: '#0f0' } })
    await waitSees(cy, bob.doc.clientID, true)
    expect(sees(cy, ada.doc.clientID)).toBe(false)
  })

  it('is gone after a clean provider.destroy()', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'clean', { user: { name: 'Ada', color: '#f00' } })
    const bob = await connectClient(scope, server.wsUrl, 'clean', { user: { name: 'Bob', color: '#00f' } })
    await waitSees(bob, ada.doc.clientID, true)
    const id = ada.doc.clientID
    ada.destroy()
    await waitSees(bob, id, false)
    await waitUntil('the server lists only Bob', async () => (await users(server, 'clean')).join() === 'Bob')
    const info = (await server.get('/api/rooms/clean')).json<{ connections: number }>()
    expect(info.connections).toBe(1)
  })

  it('is removed for a socket that closes without announcing its departure', async () => {
    const server = await startServer(scope)
    const bob = await connectClient(scope, server.wsUrl, 'raw-close', { user: { name: 'Bob', color: '#00f' } })
    const raw = await openSocket(scope, server.wsUrl, 'raw-close')
    const ghost = 987654
    raw.send(awarenessFrame([{ clientID: ghost, clock: 1, json: JSON.stringify({ user: { name: 'Ghost', color: '#999' } }) }]))
    await waitSees(bob, ghost, true)
    raw.close(1000) // a clean close frame, but no null state for its id
    await waitSees(bob, ghost, false)
    expect(await users(server, 'raw-close')).toEqual(['Bob'])
  })

  it('becomes visible again at once when a client reconnects with the same clientID', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'return', { user: { name: 'Ada', color: '#f00' } })
    const bob = await connectClient(scope, server.wsUrl, 'return', { user: { name: 'Bob', color: '#00f' } })
    const id = ada.doc.clientID
    await waitSees(bob, id, true)

    for (let drop = 0; drop < 3; drop++) {
      const started = performance.now()
      ada.socket.terminate() // the provider reconnects by itself, re-announcing its old clock
      await waitSees(bob, id, false)
      // The server answers the stale clock with its tombstone; the client bumps its clock and
      // re-announces, so Bob sees Ada again long before her 15 s awareness renewal.
      await waitSees(bob, id, true)
      expect(performance.now() - started).toBeLessThan(PROMPTLY_MS)
      expect(bob.awareness.getStates().get(id)).toEqual({ user: { name: 'Ada', color: '#f00' } })
      await waitUntil('the server lists Ada again', async () => (await users(server, 'return')).join() === 'Ada,Bob')
    }
  })
})
