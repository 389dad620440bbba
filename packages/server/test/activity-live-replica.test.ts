/**
 * `?doc=1`: a snapshot after the replay, then live `update` events, so a viewer keeps a read-only
 * replica with no WebSocket. The replica must equal the document after concurrent edits.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import type { SnapshotEvent, UpdateEvent } from '@cowrite/protocol'
import { connectClient } from './helpers/client.js'
import { createRandom, int, testSeed, word } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('live document replica over SSE', () => {
  it('equals the document after concurrent edits, from a snapshot and live updates', async () => {
    const seed = testSeed(4242)
    const random = createRandom(seed)
    const server = await startServer(scope)
    const writers = await Promise.all([0, 1, 2].map(() => connectClient(scope, server.wsUrl, 'replica')))
    writers[0]!.text.insert(0, 'before the viewer came. ')

    const stream = await openSse(scope, `${server.url}/api/rooms/replica/activity?doc=1`)
    const replica = new Y.Doc()
    scope.defer(() => replica.destroy())
    let applied = 0
    const apply = () => {
      const events = stream.events().filter((e): e is SnapshotEvent | UpdateEvent => e.type === 'snapshot' || e.type === 'update')
      for (const event of events.slice(applied)) Y.applyUpdate(replica, Buffer.from(event.update, 'base64'))
      applied = events.length
    }
    await stream.waitFor('the snapshot', (events) => events.some((e) => e.type === 'snapshot'))
    const firstData = stream.messages.find((m) => m.event === 'snapshot')!
    expect(firstData.id).toBeUndefined()

    for (let round = 0; round < 40; round++) {
      for (const writer of writers) {
        const length = writer.text.length
        if (length > 0 && random.next() < 0.3) writer.text.delete(int(random, 0, length - 1), 1)
        else writer.text.insert(int(random, 0, length), word(random))
      }
    }
    const expected = () => writers[0]!.text.toString()
    await waitUntil('writers converged', () => writers.every((w) => w.text.toString() === expected()), {
      on: writers.map((w) => [w.doc, 'update'] as const),
    })
    await waitUntil(`replica equals the document (seed ${seed})`, () => (apply(), replica.getText('content').toString() === expected()), {
      on: [[stream.response, 'data']],
    })
    expect(stream.messages.filter((m) => m.event === 'update').every((m) => m.id === undefined)).toBe(true)
    expect((await server.get('/api/rooms/replica/text')).text).toBe(expected())
  })

  it('keeps the room loaded while a replica follows it', async () => {
    const server = await startServer(scope, { unloadAfterMs: 10 })
    const writer = await connectClient(scope, server.wsUrl, 'held')
    writer.text.insert(0, 'kept')
    const stream = await openSse(scope, `${server.url}/api/rooms/held/activity?doc=1`)
    await stream.waitFor('the snapshot', (events) => events.some((e) => e.type === 'snapshot'))
    writer.destroy()
    await waitUntil('the writer is gone', async () => (await server.metric('cowrite_connections')) === 0)
    // Well past the grace period: only the replica holds the room now.
    await waitUntil('an unload would have happened', async () => (await server.get('/api/rooms/held')).json<{ connections: number }>().connections === 0)
    // A new writer must still reach the replica: the room it follows was not unloaded under it.
    const second = await connectClient(scope, server.wsUrl, 'held')
    second.text.insert(4, '!')
    await stream.waitFor('the live update', (events) => events.some((e) => e.type === 'update' && Buffer.from(e.update, 'base64').length > 0))
    expect(await server.metric('cowrite_rooms')).toBe(1)
  })
})
