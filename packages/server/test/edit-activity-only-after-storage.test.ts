/**
 * An activity event reports only what is stored. Regression: `edit` fired from the doc's
 * transaction, before the update's commit, so an edit whose append failed still appeared in the
 * log and the stream, or (when the activity log failed with it) was lost for good once storage
 * came back. Now an edit made while the database refuses writes (an immutable file) produces no
 * `edit` event until storage recovers, and then exactly one.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EditEvent } from '@cowrite/protocol'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { makeImmutable } from './helpers/immutable.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('edit activity', () => {
  it('is emitted only once the edit is stored: none while writes fail, exactly one after', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const storage = createSqliteStorage({ path })
    const server = await startServer(scope, { storage, activity: { coalesceMs: 50 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/doc/activity`)
    const writer = await connectClient(scope, server.wsUrl, 'doc', { user: { name: 'Ada', color: '#f00' } })
    const edits = () => stream.events().filter((event): event is EditEvent => event.type === 'edit')

    writer.text.insert(0, 'stored')
    await stream.waitFor('the first edit', () => edits().length === 1)

    const restore = makeImmutable(scope, path)
    const writerClosed = nextEvent<[CloseEvent]>(writer.provider, 'connection-close')
    writer.text.insert(6, ' held')
    expect((await writerClosed)[0].code).toBe(1011)
    await waitUntil('healthz reports the failing room', async () => (await server.get('/healthz')).status === 503)
    // Retried meanwhile (every second), failing each time: still no event for the held edit.
    await waitUntil('a retry has failed too', () => server.logs.matching('storage append failed').length >= 2, { timeoutMs: 5_000 })
    expect(edits()).toHaveLength(1)

    const recovered = Date.now()
    restore()
    await waitUntil('healthz is 200 again', async () => (await server.get('/healthz')).status === 200, { timeoutMs: 10_000 })
    await stream.waitFor('the held edit', () => edits().length === 2, 10_000)
    const held = edits()[1]!
    expect(held).toMatchObject({ room: 'doc', inserted: ' held'.length, deleted: 0, length: 'stored held'.length })
    expect(held.user?.name).toBe('Ada')
    expect(Date.parse(held.at)).toBeGreaterThanOrEqual(recovered - 5)
    // Exactly one: the writer's reconnection resends it (sync step 2), which changes nothing.
    await waitUntil('the writer is back and synced', () => writer.provider.synced && writer.provider.wsconnected, { on: [[writer.provider, 'sync']] })
    writer.text.insert(0, '>')
    await stream.waitFor('the next edit', () => edits().length === 3)
    expect(edits().map((edit) => edit.inserted)).toEqual([6, 5, 1])
  })
})
