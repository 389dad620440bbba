/**
 * `DELETE /api/rooms/<room>` (design.md "Room operations"), over real sockets on a real SQLite
 * file: connected stock clients are closed with 4404 and do not reconnect, SSE viewers get a
 * `deleted` event, every row of the room but its activity goes, and the name is a new empty room
 * afterwards. The race: clients typing while the DELETE arrives, a commit in flight, a load in
 * progress and a connection arriving during the deletion all come out with the room fully
 * deleted (nothing of the old room in the store or in any client's view of the new one).
 * Roles: admin only under auth (403 with a reason otherwise); anyone with auth off.
 */
import { join } from 'node:path'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { CloseCode, type DeletedEvent } from '@cowrite/protocol'
import type { Storage } from '../src/index.js'
import { signToken } from '../src/auth/tokens.js'
import { createSqliteStorage, type SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, waitSynced, type StockClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { createRandom, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'room-delete-secret'
const TABLES = ['rooms', 'snapshots', 'changes', 'checkpoints', 'versions'] as const

function openStore(): SqliteStorage {
  const storage = createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db'), compactAfterCount: 20 })
  return storage
}

/** Rows of `room` in every table of the store but the activity log. */
function rowsOf(storage: SqliteStorage, room: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const table of TABLES) {
    const column = table === 'rooms' ? 'name' : 'room'
    counts[table] = (storage.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(room) as { n: number }).n
  }
  return counts
}

const NONE = Object.fromEntries(TABLES.map((table) => [table, 0]))

function remove(server: TestServer, room: string, token?: string) {
  return server.get(`/api/rooms/${room}`, { method: 'DELETE', headers: token ? { Authorization: `Bearer ${token}` } : {} })
}

/** The stock client's `closed` event (a close it will not reconnect after), with its code. */
function closedFor(client: StockClient): Promise<number> {
  return nextEvent<[{ code: number }]>(client.provider, 'closed').then(([event]) => event.code)
}

/** A gate a wrapped storage call waits at until the test opens it. */
function gate() {
  let open!: () => void
  let reached!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  const arrived = new Promise<void>((resolve) => (reached = resolve))
  return { open, arrived, async pass() {
    reached()
    await opened
  } }
}

/** Wait until everything the server applied so far went through its commit queue: another room's write is stored after it. */
async function commitsSettled(server: TestServer): Promise<void> {
  const answer = await server.get('/api/rooms/settle-marker/text', { method: 'PUT', body: String(Math.random()), headers: { 'Content-Type': 'text/plain' } })
  expect(answer.status).toBe(200)
}

describe('DELETE /api/rooms/<room>', () => {
  it('closes clients with 4404 (no reconnect), tells SSE viewers, removes every row but activity, and leaves the name as a new empty room', async () => {
    const storage = openStore()
    const server = await startServer(scope, { storage, authSecret: SECRET })
    const admin = await signToken(SECRET, { sub: 'root', name: 'Root', room: '*', role: 'admin' }, 600)
    const editor = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: 'plans', role: 'edit' }, 600)
    const ada = await connectClient(scope, server.wsUrl, 'plans', { params: { token: editor } })
    const bob = await connectClient(scope, server.wsUrl, 'plans', { params: { token: editor } })
    for (let i = 0; i < 60; i++) ada.text.insert(ada.text.length, `line ${i}\n`)
    await waitUntil('stored', async () => (await server.get(`/api/rooms/plans/text?token=${editor}`)).text === ada.text.toString())
    const named = await server.get(`/api/rooms/plans/versions?token=${editor}`, { method: 'POST', body: JSON.stringify({ name: 'Before' }), headers: { 'Content-Type': 'application/json' } })
    expect(named.status, named.text).toBe(201)
    await storage.compact('plans')
    await storage.history.checkpoint('plans')
    bob.text.insert(0, '# ')
    await waitUntil('stored after compaction', async () => (await server.get(`/api/rooms/plans/text?token=${editor}`)).text === bob.text.toString())
    expect(Object.values(rowsOf(storage, 'plans')).every((n) => n > 0), JSON.stringify(rowsOf(storage, 'plans'))).toBe(true)
    const activityBefore = (storage.db.prepare("SELECT count(*) AS n FROM activity WHERE room = 'plans'").get() as { n: number }).n

    const roomStream = await openSse(scope, `${server.url}/api/rooms/plans/activity?token=${admin}&tail=0`)
    const allStream = await openSse(scope, `${server.url}/api/activity?token=${admin}&tail=0`)
    const refused = await remove(server, 'plans', editor)
    expect(refused.status).toBe(403)
    expect(refused.json<{ error: string }>().error).toMatch(/needs the admin role; this token has edit/)

    const closes = [closedFor(ada), closedFor(bob)]
    const answer = await remove(server, 'plans', admin)
    expect(answer.status, answer.text).toBe(200)
    expect(answer.json()).toEqual({ deleted: 'plans' })
    expect(await Promise.all(closes)).toEqual([CloseCode.roomDeleted, CloseCode.roomDeleted])
    for (const client of [ada, bob]) expect(client.provider.shouldConnect, 'the stock client gave up').toBe(false)

    for (const stream of [roomStream, allStream]) {
      const events = await stream.waitFor('deleted', (events) => events.some((event) => event.type === 'deleted'))
      expect(events.find((event): event is DeletedEvent => event.type === 'deleted')).toMatchObject({ room: 'plans', user: { name: 'Root', color: null } })
    }
    expect(rowsOf(storage, 'plans')).toEqual(NONE)
    const activityAfter = (storage.db.prepare("SELECT count(*) AS n FROM activity WHERE room = 'plans'").get() as { n: number }).n
    expect(activityAfter, 'activity stays, with the deleted event added').toBeGreaterThan(activityBefore)
    expect((await server.get(`/api/rooms/plans?token=${admin}`)).status).toBe(404)
    expect((await server.get(`/api/rooms/plans/versions?token=${admin}`)).status).toBe(404)
    expect((await server.get(`/api/rooms?token=${admin}`)).json<Array<{ name: string }>>().map((room) => room.name)).not.toContain('plans')
    expect((await remove(server, 'plans', admin)).status, 'gone already').toBe(404)

    // The name is reusable: a new empty room, with a history of its own.
    const carol = await connectClient(scope, server.wsUrl, 'plans', { params: { token: editor } })
    expect(carol.text.toString()).toBe('')
    carol.text.insert(0, 'a fresh start')
    await waitUntil('stored', async () => (await server.get(`/api/rooms/plans/text?token=${editor}`)).text === 'a fresh start')
    expect(rowsOf(storage, 'plans')).toMatchObject({ rooms: 1, versions: 0, snapshots: 0 })
  })

  it('is allowed to anyone with auth off, and 404 for a room that never existed', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'scratch')
    ada.text.insert(0, 'x')
    await waitUntil('stored', async () => (await server.get('/api/rooms/scratch/text')).text === 'x')
    const closing = closedFor(ada)
    expect((await remove(server, 'scratch')).status).toBe(200)
    expect(await closing).toBe(CloseCode.roomDeleted)
    expect((await remove(server, 'never-was')).status).toBe(404)
  })

  it('leaves nothing of a room whose clients type while the DELETE arrives, and none of their typing reaches the new room', async () => {
    const seed = testSeed(4404)
    const random = createRandom(seed)
    const storage = openStore()
    const server = await startServer(scope, { storage })
    const clients = await Promise.all(Array.from({ length: 4 }, () => connectClient(scope, server.wsUrl, 'busy')))
    const closes = clients.map(closedFor)
    let typing = true
    // Typing at a person's pace, a few keystrokes every few milliseconds per client.
    const typed = clients.map(async (client) => {
      while (typing && client.provider.wsconnected) {
        for (let i = 0; i < 3; i++) randomEdit(random, client.text)
        await new Promise((resolve) => setTimeout(resolve, 3))
      }
    })
    await waitUntil('some typing is stored', async () => ((await storage.get('busy'))?.length ?? 0) > 50)
    const answer = await remove(server, 'busy')
    typing = false
    expect(answer.status, answer.text).toBe(200)
    expect(await Promise.all(closes)).toEqual(clients.map(() => CloseCode.roomDeleted))
    await Promise.all(typed)
    await commitsSettled(server)
    expect(rowsOf(storage, 'busy'), `seed ${seed}`).toEqual(NONE)

    const fresh = await connectClient(scope, server.wsUrl, 'busy')
    expect(fresh.text.toString()).toBe('')
    // The old clients still hold their copies, but never send them: they stopped for good.
    for (const client of clients) expect(client.provider.wsconnected).toBe(false)
    fresh.text.insert(0, 'new')
    await waitUntil('stored', async () => (await server.get('/api/rooms/busy/text')).text === 'new')
  })

  it('waits for a commit in flight, so the update it stores is deleted too', async () => {
    const inner = openStore()
    const appendGate = gate()
    let holdAppends = false
    const storage: Storage = {
      ...inner,
      async append(batch) {
        if (holdAppends && batch.some((append) => append.room === 'inflight')) {
          holdAppends = false
          await appendGate.pass()
        }
        return inner.append(batch)
      },
    }
    const server = await startServer(scope, { storage })
    const ada = await connectClient(scope, server.wsUrl, 'inflight')
    ada.text.insert(0, 'first, stored')
    await waitUntil('stored', async () => (await server.get('/api/rooms/inflight/text')).text === 'first, stored')
    holdAppends = true
    ada.text.insert(0, 'second, in flight; ')
    await appendGate.arrived
    const closing = closedFor(ada)
    const deletion = remove(server, 'inflight')
    expect(await closing, 'the sockets close at once').toBe(CloseCode.roomDeleted)
    appendGate.open()
    expect((await deletion).status).toBe(200)
    await commitsSettled(server)
    expect(rowsOf(inner, 'inflight')).toEqual(NONE)
  })

  it('waits for a load in progress; a connection during the deletion waits and then sees the new empty room', async () => {
    const inner = openStore()
    const seedServer = await startServer(scope, { storage: inner, unloadAfterMs: 20 })
    const author = await connectClient(scope, seedServer.wsUrl, 'cold')
    author.text.insert(0, 'stored, then unloaded')
    await waitUntil('stored', async () => (await inner.get('cold'))?.length === 21)
    author.destroy()
    await waitUntil('unloaded', async () => (await seedServer.metric('cowrite_rooms')) === 0)

    const loadGate = gate()
    const deleteGate = gate()
    let holdLoad = true
    let holdDelete = true
    const storage: Storage = {
      ...inner,
      async load(room) {
        if (room === 'cold' && holdLoad) {
          holdLoad = false
          await loadGate.pass()
        }
        return inner.load(room)
      },
      async delete(room) {
        if (room === 'cold' && holdDelete) {
          holdDelete = false
          await deleteGate.pass()
        }
        return inner.delete(room)
      },
    }
    const server = await startServer(scope, { storage })
    // A client arrives at the cold room; its load is held.
    const early = await connectClient(scope, server.wsUrl, 'cold', { synced: false })
    await loadGate.arrived
    const deletion = remove(server, 'cold')
    let earlyClosed: number | undefined
    early.provider.on('closed', (event: { code: number }) => (earlyClosed = event.code))
    loadGate.open()
    await deleteGate.arrived
    // The early client was handed the loaded room and is closed with it (it may have synced the
    // old text first), or it waited and got the new one: never left connected to the old room.
    await waitUntil('the early client is closed, or in the new room', () => earlyClosed !== undefined || (early.provider.synced && early.text.toString() === ''), {
      on: [[early.provider, 'closed'], [early.provider, 'sync']],
    })
    if (earlyClosed !== undefined) expect(earlyClosed).toBe(CloseCode.roomDeleted)

    // A connection during the store's deletion waits for it.
    const late = await connectClient(scope, server.wsUrl, 'cold', { synced: false })
    await new Promise((resolve) => setImmediate(resolve))
    expect(late.provider.synced).toBe(false)
    deleteGate.open()
    expect((await deletion).status).toBe(200)
    await waitSynced(late)
    expect(late.text.toString()).toBe('')
    expect(rowsOf(inner, 'cold')).toEqual(NONE)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, new Uint8Array(await (await fetch(`${server.url}/api/rooms/cold/update`)).arrayBuffer()))
    expect(doc.getText('content').toString()).toBe('')
    doc.destroy()
  })
})
