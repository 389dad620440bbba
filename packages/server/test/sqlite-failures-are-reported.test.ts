/**
 * Real SQLite failures, not simulated ones. Tests run as root, so `chmod a-w` does not stop a
 * write; what does: the immutable attribute (`chattr +i`, refused even to root: SQLite gets
 * SQLITE_IOERR_WRITE), and `PRAGMA query_only` (SQLITE_READONLY). A corrupt row fails its room's
 * load. Each is reported (1011 or a refused upgrade, a log line with the room, /healthz 503) and
 * harms no other room; writes held during the failure are stored once it ends.
 */
import { join } from 'node:path'
import * as Y from 'yjs'
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { createSqliteStorage, type SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { makeImmutable } from './helpers/immutable.js'
import { useScope, type Scope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

function openStore(scope: Scope, path: string): SqliteStorage {
  const storage = createSqliteStorage({ path })
  scope.defer(() => storage.close())
  return storage
}

async function storedText(path: string, room: string): Promise<string> {
  const storage = createSqliteStorage({ path })
  try {
    const doc = new Y.Doc()
    for (const update of await storage.load(room)) Y.applyUpdate(doc, update)
    return doc.getText('content').toString()
  } finally {
    await storage.close()
  }
}

async function health(server: TestServer) {
  const { status, json } = await server.get('/healthz')
  return { status, body: json<{ rooms?: string[]; failures?: Array<{ room: string; operation: string; error: string }> }>() }
}

/** Make the database's files refuse writes, returning the way back. */
type Breaker = (storage: SqliteStorage, path: string) => () => void

const breakers: Record<string, { breaker: Breaker; error: RegExp }> = {
  'an immutable database file (chattr +i)': {
    breaker: (_storage, path) => makeImmutable(scope, path),
    error: /disk I\/O error|readonly/i,
  },
  'a read-only connection (PRAGMA query_only)': {
    breaker: (storage) => {
      storage.db.pragma('query_only = ON')
      return () => storage.db.pragma('query_only = OFF')
    },
    error: /readonly database/,
  },
}

describe('a SQLite write that fails', () => {
  for (const [name, { breaker, error }] of Object.entries(breakers)) {
    it(`${name}: sender closed with 1011, reported, nothing relayed; stored after recovery`, async () => {
      const path = join(tempDir(scope), 'cowrite.db')
      const storage = openStore(scope, path)
      const server = await startServer(scope, { storage })
      const writer = await connectClient(scope, server.wsUrl, 'doc')
      const reader = await connectClient(scope, server.wsUrl, 'doc')
      const other = await connectClient(scope, server.wsUrl, 'other')
      const otherReader = await connectClient(scope, server.wsUrl, 'other')

      writer.text.insert(0, 'before')
      await waitUntil('the reader has the first edit', () => reader.text.toString() === 'before', { on: [[reader.doc, 'update']] })

      const restore = breaker(storage, path)
      const writerClosed = nextEvent<[CloseEvent]>(writer.provider, 'connection-close')
      writer.text.insert(6, ' after')
      const [event] = await writerClosed
      expect(event.code).toBe(1011)

      const failure = await health(server)
      expect(failure.status).toBe(503)
      expect(failure.body.rooms).toContain('doc')
      expect(failure.body.failures!.find((f) => f.room === 'doc')!.error).toMatch(error)
      const logged = server.logs.matching('storage append failed').filter((line) => line.room === 'doc')
      expect(logged.length).toBeGreaterThan(0)
      expect(reader.text.toString()).toBe('before')

      // The process and the other room's reads carry on; its writes fail on the shared file too
      // and are held the same way, never relayed as if stored.
      const otherClosed = nextEvent<[CloseEvent]>(other.provider, 'connection-close')
      other.text.insert(0, 'meanwhile')
      expect((await otherClosed)[0].code).toBe(1011)
      expect(otherReader.text.toString()).toBe('')
      expect((await server.get('/api/rooms/doc')).status).toBe(200)

      restore()
      await waitUntil('the reader gets the held edit', () => reader.text.toString() === 'before after', {
        on: [[reader.doc, 'update']],
      })
      await waitUntil('the other reader gets its held edit', () => otherReader.text.toString() === 'meanwhile', {
        on: [[otherReader.doc, 'update']],
      })
      await waitUntil('healthz is 200 again', async () => (await health(server)).status === 200)

      await server.close()
      await storage.close()
      expect(await storedText(path, 'doc')).toBe('before after')
      expect(await storedText(path, 'other')).toBe('meanwhile')
    })
  }
})

describe('a corrupt stored row', () => {
  it('fails only its room: the upgrade is refused with 503, logged and reported; the room loads once repaired', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const storage = openStore(scope, path)
    const server = await startServer(scope, { storage })
    const seed = await connectClient(scope, server.wsUrl, 'damaged')
    seed.text.insert(0, 'text')
    const fine = await connectClient(scope, server.wsUrl, 'fine')
    fine.text.insert(0, 'ok')
    await waitUntil('both rooms stored', async () => (await storage.get('damaged')) !== undefined && (await storage.get('fine')) !== undefined)
    seed.destroy()
    fine.destroy()
    await server.close() // closes the store too

    // A torn write: a truncated update in the room's log.
    const reopened = openStore(scope, path)
    reopened.db
      .prepare("INSERT INTO changes (room, id, at, data) SELECT room, max(id) + 1, max(at), ? FROM changes WHERE room = 'damaged'")
      .run(Buffer.from([1, 2, 3]))
    const server2 = await startServer(scope, { storage: reopened })

    const status = await refusedStatus(`${server2.wsUrl}/damaged`)
    expect(status).toBe(503)
    const logged = server2.logs.matching('room failed to load')
    expect(logged.some((line) => line.room === 'damaged')).toBe(true)
    const failure = await health(server2)
    expect(failure.status).toBe(503)
    expect(failure.body.failures).toEqual([{ room: 'damaged', operation: 'load', error: expect.stringContaining('damaged') }])

    // Other rooms are served as before.
    const fineAgain: StockClient = await connectClient(scope, server2.wsUrl, 'fine')
    expect(fineAgain.text.toString()).toBe('ok')

    // Repaired (the bad row removed), the room loads and health recovers.
    reopened.db.prepare('DELETE FROM changes WHERE room = ? AND length(data) = 3').run('damaged')
    const repaired = await connectClient(scope, server2.wsUrl, 'damaged')
    expect(repaired.text.toString()).toBe('text')
    expect((await health(server2)).status).toBe(200)
  })
})

/** Open a raw WebSocket expecting the upgrade to be refused; resolve with the HTTP status. */
function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.on('open', () => {
      socket.terminate()
      reject(new Error(`${url} was accepted`))
    })
    socket.on('error', () => {})
  })
}
