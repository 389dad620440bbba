/**
 * `server.close()` (what SIGTERM runs) waits for the append in flight and stores what arrived
 * behind it before closing storage, so a clean stop loses nothing the server applied.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage, type Storage } from '../src/index.js'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('server.close()', () => {
  it('waits for a slow append in flight and stores the updates queued behind it', async () => {
    const inner = createMemoryStorage()
    let releaseGate!: () => void
    const gate = new Promise<void>((resolve) => (releaseGate = resolve))
    let appendsStarted = 0
    let closedStore = false
    const storage: Storage = {
      ...inner,
      activity: inner.activity,
      async append(batch) {
        appendsStarted++
        await gate // a slow disk: the first append is still running when close() is called
        return inner.append(batch)
      },
      async close() {
        closedStore = true
        // The memory store forgets everything on close; keep it for the assertion below.
      },
    }
    const server = await startServer(scope, { storage })
    const writer = await connectClient(scope, server.wsUrl, 'room')
    const reader = await connectClient(scope, server.wsUrl, 'room')

    writer.text.insert(0, 'a')
    await waitUntil('the first append has started', () => appendsStarted === 1)
    writer.text.insert(1, 'b')
    await waitUntil('the server has applied the second edit', async () => {
      const { json } = await server.get('/api/rooms/room')
      return json<{ length: number }>().length === 2
    })
    expect(reader.text.toString()).toBe('') // nothing relayed before it is stored

    const readerClosed = nextEvent<[CloseEvent]>(reader.provider, 'connection-close')
    let closed = false
    const closing = server.close().then(() => (closed = true))
    await waitUntil('close() is waiting on the append', () => !closed && !closedStore)
    releaseGate()
    await closing

    expect(closedStore).toBe(true)
    expect((await readerClosed)[0].code).toBe(1001)
    const doc = new Y.Doc()
    for (const update of await inner.load('room')) Y.applyUpdate(doc, update)
    expect(doc.getText('content').toString()).toBe('ab')
    doc.destroy()
  })
})
