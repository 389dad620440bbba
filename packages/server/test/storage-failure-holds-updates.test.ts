/**
 * A storage write that fails: the update is not relayed as if stored, its sender is closed with
 * 1011, the failure is logged with the room and shown by /healthz, other rooms carry on, and
 * once storage recovers the held updates are stored (retried) and relayed, losing nothing. A room
 * whose last write failed is never unloaded.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage, type Storage } from '../src/index.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

/** A memory store whose appends reject for the rooms in `failing`, like a full disk would. */
function flakyStorage() {
  const inner = createMemoryStorage()
  const failing = new Set<string>()
  let appends = 0
  const storage: Storage = {
    ...inner,
    activity: inner.activity,
    async append(batch) {
      const broken = batch.find(({ room }) => failing.has(room))
      if (broken) throw new Error(`ENOSPC: no space left on device (simulated for ${broken.room})`)
      appends++
      return inner.append(batch)
    },
  }
  return { storage, inner, failing, appends: () => appends }
}

async function storedText(storage: Storage, room: string): Promise<string> {
  const doc = new Y.Doc()
  for (const update of await storage.load(room)) Y.applyUpdate(doc, update)
  const text = doc.getText('content').toString()
  doc.destroy()
  return text
}

function closed(client: StockClient): Promise<[CloseEvent]> {
  return nextEvent<[CloseEvent]>(client.provider, 'connection-close')
}

async function health(server: TestServer) {
  const { status, json } = await server.get('/healthz')
  return { status, body: json<{ ok: boolean; rooms?: string[]; failures?: Array<{ room: string; operation: string; error: string }> }>() }
}

describe('a failing storage write', () => {
  it('closes the sender with 1011, holds the update back, and stores and relays it once storage recovers', async () => {
    const flaky = flakyStorage()
    const server = await startServer(scope, { storage: flaky.storage })
    const writer = await connectClient(scope, server.wsUrl, 'broken')
    const reader = await connectClient(scope, server.wsUrl, 'broken')
    const otherWriter = await connectClient(scope, server.wsUrl, 'healthy')
    const otherReader = await connectClient(scope, server.wsUrl, 'healthy')

    writer.text.insert(0, 'stored ')
    await waitUntil('the reader has the first edit', () => reader.text.toString() === 'stored ', { on: [[reader.doc, 'update']] })

    flaky.failing.add('broken')
    const writerClosed = closed(writer)
    writer.text.insert(7, 'held')
    const [event] = await writerClosed
    expect(event.code).toBe(1011)
    expect(event.reason).toBe('storage failure')

    // Reported: logged with the room, counted, and /healthz says 503 naming it (and only it).
    const logged = server.logs.matching('storage append failed')
    expect(logged.length).toBeGreaterThan(0)
    expect(logged[0]!.room).toBe('broken')
    expect(String((logged[0]!.err as { message?: string }).message)).toContain('ENOSPC')
    expect(server.logs.matching('closing connection: storage failure').some((line) => line.code === 1011)).toBe(true)
    expect(await server.metric('cowrite_errors_total{kind="storage"}')).toBeGreaterThan(0)
    const failing = await health(server)
    expect(failing.status).toBe(503)
    expect(failing.body.rooms).toEqual(['broken'])
    expect(failing.body.failures).toEqual([{ room: 'broken', operation: 'write', error: expect.stringContaining('ENOSPC') }])

    // Another room is untouched: its writes are stored and relayed, its sockets stay open.
    otherWriter.text.insert(0, 'fine')
    await waitUntil('the other room relays', () => otherReader.text.toString() === 'fine', { on: [[otherReader.doc, 'update']] })
    expect(otherWriter.provider.wsconnected).toBe(true)
    expect(await storedText(flaky.inner, 'healthy')).toBe('fine')

    // The held update has not reached the reader, and is not stored.
    expect(reader.text.toString()).toBe('stored ')
    expect(await storedText(flaky.inner, 'broken')).toBe('stored ')

    // Storage recovers: the retry stores the held update, then relays it.
    flaky.failing.delete('broken')
    await waitUntil('the reader gets the held update', () => reader.text.toString() === 'stored held', {
      on: [[reader.doc, 'update']],
    })
    expect(await storedText(flaky.inner, 'broken')).toBe('stored held')
    expect((await health(server)).status).toBe(200)
    expect(server.logs.matching('storage recovered').some((line) => line.room === 'broken')).toBe(true)

    // The closed writer reconnects (1011 is retried by the stock client) and converges.
    await waitUntil('the writer is back', () => writer.provider.wsconnected && writer.provider.synced, {
      on: [[writer.provider, 'sync']],
    })
    writer.text.insert(writer.text.length, '!')
    await waitUntil('the reader gets the later edit', () => reader.text.toString() === 'stored held!', {
      on: [[reader.doc, 'update']],
    })
    expect(await storedText(flaky.inner, 'broken')).toBe('stored held!')
  })

  it('does not fail other rooms that were committed in the same transaction', async () => {
    const flaky = flakyStorage()
    const mixedBatches: string[][] = []
    const append = flaky.storage.append
    flaky.storage.append = async (batch) => {
      if (batch.length > 1) mixedBatches.push(batch.map(({ room }) => room))
      return append(batch)
    }
    const server = await startServer(scope, { storage: flaky.storage })
    const brokenWriter = await connectClient(scope, server.wsUrl, 'broken')
    const healthyWriter = await connectClient(scope, server.wsUrl, 'healthy')
    const healthyReader = await connectClient(scope, server.wsUrl, 'healthy')
    let healthyClosed = false
    healthyWriter.provider.on('connection-close', () => (healthyClosed = true))

    flaky.failing.add('broken')
    for (let i = 0; i < 20; i++) {
      // Both frames leave in the same turn, so the server commits them together.
      brokenWriter.text.insert(0, 'x')
      healthyWriter.text.insert(healthyWriter.text.length, String(i % 10))
      await waitUntil(`the healthy reader has ${i + 1} characters`, () => healthyReader.text.length === i + 1, {
        on: [[healthyReader.doc, 'update']],
      })
    }
    expect(mixedBatches.some((rooms) => rooms.includes('broken') && rooms.includes('healthy'))).toBe(true)
    expect(healthyClosed).toBe(false)
    expect(await storedText(flaky.inner, 'healthy')).toBe(healthyWriter.text.toString())
    expect((await health(server)).body.rooms).toEqual(['broken'])
  })

  it('keeps every update accepted while failing, from every sender, in order', async () => {
    const flaky = flakyStorage()
    const server = await startServer(scope, { storage: flaky.storage })
    const a = await connectClient(scope, server.wsUrl, 'room')
    const b = await connectClient(scope, server.wsUrl, 'room')
    const watcher = await connectClient(scope, server.wsUrl, 'room')

    flaky.failing.add('room')
    const aClosed = closed(a)
    const bClosed = closed(b)
    a.text.insert(0, 'A')
    b.text.insert(0, 'B')
    expect((await aClosed)[0].code).toBe(1011)
    expect((await bClosed)[0].code).toBe(1011)
    expect(watcher.text.toString()).toBe('')

    flaky.failing.delete('room')
    await waitUntil('the watcher gets both', () => watcher.text.length === 2, { on: [[watcher.doc, 'update']] })
    const text = watcher.text.toString()
    expect(text.split('').sort().join('')).toBe('AB')
    expect(await storedText(flaky.inner, 'room')).toBe(text)
  })

  it('never unloads a room whose last write failed, and unloads it once stored', async () => {
    const flaky = flakyStorage()
    const server = await startServer(scope, { storage: flaky.storage, unloadAfterMs: 20 })
    const writer = await connectClient(scope, server.wsUrl, 'broken')
    const bystander = await connectClient(scope, server.wsUrl, 'healthy')
    expect(await server.metric('cowrite_rooms')).toBe(2)

    flaky.failing.add('broken')
    const writerClosed = closed(writer)
    writer.text.insert(0, 'only in memory')
    await writerClosed
    writer.destroy()
    bystander.destroy()

    // The healthy room goes after its grace period; the failing one stays, with its update.
    await waitUntil('the healthy room is unloaded', async () => (await server.metric('cowrite_rooms')) === 1)
    const info = await server.get('/api/rooms/broken')
    expect(info.json<{ connections: number; length: number }>()).toMatchObject({ connections: 0, length: 'only in memory'.length })
    expect((await health(server)).body.rooms).toEqual(['broken'])

    flaky.failing.delete('broken')
    await waitUntil('the recovered room is unloaded', async () => (await server.metric('cowrite_rooms')) === 0, { timeoutMs: 5_000 })
    expect(await storedText(flaky.inner, 'broken')).toBe('only in memory')
    expect((await health(server)).status).toBe(200)
  })
})
