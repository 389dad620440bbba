/**
 * Resuming the activity stream: Last-Event-ID (header or query, header winning) replays exactly
 * the stored events after it, then live ones, with no gap and no duplicate; `tail` without an
 * id; `reset` when the id is no longer retained or from the future; and the same across a
 * restart on one SQLite file, where ids keep increasing.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ActivityEvent } from '@cowrite/protocol'
import { createMemoryStorage } from '../src/index.js'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'

const scope = useScope()
const user = { name: 'Grace', color: '#3366ff' }

/** Join, edit and leave `room` once: four stored events (the last editor leaving records a version). */
async function visit(server: TestServer, room: string, text = 'x'): Promise<void> {
  const all = await openSse(scope, `${server.url}/api/activity?tail=0`)
  const client = await connectClient(scope, server.wsUrl, room, { user })
  client.text.insert(0, text)
  await all.waitFor(`the edit in ${room}`, (events) => events.some((e) => e.type === 'edit'))
  client.destroy()
  await all.waitFor(`the leave of ${room} and its version`, (events) => events.some((e) => e.type === 'leave') && events.some((e) => e.type === 'version'))
  all.close()
}

/**
 * The events a fresh subscriber is replayed. The replay never waits for I/O, so the first
 * heartbeat comment after it (servers here ping every 20 ms) marks its end.
 */
async function history(server: TestServer, query: string, headers: Record<string, string> = {}): Promise<ActivityEvent[]> {
  const stream = await openSse(scope, `${server.url}${query}`, headers)
  await stream.waitFor('the first heartbeat', () => stream.comments.includes('ping'))
  stream.close()
  return stream.events().filter((e): e is ActivityEvent => e.type !== 'reset')
}

describe('activity resume', () => {
  it('replays exactly the events after Last-Event-ID, from the header or the query, the header winning', async () => {
    const server = await startServer(scope, { activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(server, 'one')
    await visit(server, 'two')
    const all = await history(server, '/api/rooms/one/activity?tail=1000')
    const everything = await history(server, '/api/activity?tail=1000')
    expect(all.map((e) => e.type)).toEqual(['join', 'edit', 'leave', 'version'])
    expect(everything.filter((e) => e.room === 'one')).toEqual(all)
    const ids = everything.map((e) => e.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))

    const pivot = everything[2]!.id
    const expected = everything.filter((e) => e.id > pivot)
    expect(await history(server, `/api/activity?lastEventId=${pivot}`)).toEqual(expected)
    expect(await history(server, '/api/activity', { 'Last-Event-ID': String(pivot) })).toEqual(expected)
    expect(await history(server, '/api/activity?lastEventId=0', { 'Last-Event-ID': String(pivot) })).toEqual(expected)
    // The room filter applies to the replay too.
    expect(await history(server, `/api/rooms/two/activity?lastEventId=${pivot}`)).toEqual(expected.filter((e) => e.room === 'two'))
  })

  it('starts with the last tail events when no id is given (50 by default)', async () => {
    const server = await startServer(scope, { activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(server, 'tail')
    await visit(server, 'tail')
    const everything = await history(server, '/api/activity?tail=1000')
    expect(everything).toHaveLength(8)
    expect(await history(server, '/api/activity?tail=2')).toEqual(everything.slice(-2))
    expect(await history(server, '/api/activity')).toEqual(everything)
    expect(await history(server, '/api/activity?tail=0')).toEqual([])
  })

  it('sends reset then the tail when the id is older than what is retained or newer than the newest', async () => {
    const server = await startServer(scope, { storage: createMemoryStorage({ activityRetention: 3 }), activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(server, 'a')
    await visit(server, 'b')
    const retained = await history(server, '/api/activity?tail=1000')
    expect(retained).toHaveLength(3)
    for (const lastEventId of [retained[0]!.id - 5, retained.at(-1)!.id + 1000]) {
      const stream = await openSse(scope, `${server.url}/api/activity?tail=2&lastEventId=${lastEventId}`)
      const events = await stream.waitFor('reset and tail', (all) => all.length >= 3)
      expect(events[0]).toMatchObject({ type: 'reset', requested: lastEventId })
      expect(events.slice(1, 3)).toEqual(retained.slice(-2))
      stream.close()
    }
  })

  it('resumes across a restart on the same SQLite file with ids that keep increasing', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const first = await startServer(scope, { storage: createSqliteStorage({ path }), activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(first, 'durable', 'before')
    const before = await history(first, '/api/rooms/durable/activity')
    await first.close()

    const second = await startServer(scope, { storage: createSqliteStorage({ path }), activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(second, 'durable', 'after')
    const resumed = await history(second, `/api/rooms/durable/activity?lastEventId=${before.at(-1)!.id}`)
    expect(resumed.map((e) => e.type)).toEqual(['join', 'edit', 'leave', 'version'])
    expect(resumed[0]!.id).toBeGreaterThan(before.at(-1)!.id)
    const everything = await history(second, '/api/rooms/durable/activity?tail=1000')
    expect(everything).toEqual([...before, ...resumed])
  })

  it('never reissues an id after a restart of the memory store', async () => {
    const first = await startServer(scope, { activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(first, 'volatile')
    const before = await history(first, '/api/activity')
    await first.close()
    const second = await startServer(scope, { activity: { joinWaitMs: 20 }, heartbeatMs: 20 })
    await visit(second, 'volatile')
    const after = await history(second, '/api/activity')
    expect(after[0]!.id).toBeGreaterThan(before.at(-1)!.id)
  })
})
