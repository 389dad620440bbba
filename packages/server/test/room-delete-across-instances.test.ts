/**
 * Deleting a room under scale-out: two instances joined by a real redis-server over one real
 * PostgreSQL store, clients of the room on both. The DELETE on A closes A's and B's clients with
 * 4404 (B drops the room on A's control message), every row of the room leaves PostgreSQL but its
 * activity, B's viewers get the `deleted` event (B follows the shared activity log), and the name
 * is a new empty room on both instances.
 */
import { describe, expect, it } from 'vitest'
import { CloseCode } from '@cowrite/protocol'
import { usePostgresCluster, useRedis } from '@cowrite/testing'
import { createPostgresStorage, type PostgresStorage } from '../src/storage/postgres.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const redis = useRedis()
const postgres = usePostgresCluster()

async function store(url: string): Promise<PostgresStorage> {
  const storage = await createPostgresStorage({ url })
  scope.defer(() => storage.close())
  return storage
}

async function rowsOf(storage: PostgresStorage, room: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of ['rooms', 'snapshots', 'updates', 'changes', 'checkpoints', 'versions']) {
    const column = table === 'rooms' ? 'name' : 'room'
    const { rows } = await storage.pool.query<{ n: string }>(`SELECT count(*) AS n FROM cowrite.${table} WHERE ${column} = $1`, [room])
    counts[table] = Number(rows[0]!.n)
  }
  return counts
}

function closedWith(client: StockClient): Promise<number> {
  return nextEvent<[{ code: number }]>(client.provider, 'closed', 10_000).then(([event]) => event.code)
}

describe('DELETE under scale-out', () => {
  it('closes the room\'s clients on every instance with 4404 and leaves nothing of it in PostgreSQL', async () => {
    const url = await postgres.database()
    const a = await startServer(scope, { storage: await store(url), redis: redis().url, instanceId: 'a' })
    const b = await startServer(scope, { storage: await store(url), redis: redis().url, instanceId: 'b' })
    const ada = await connectClient(scope, a.wsUrl, 'shared')
    const bob = await connectClient(scope, b.wsUrl, 'shared')
    ada.text.insert(0, 'typed on A. ')
    bob.text.insert(0, 'typed on B. ')
    await waitUntil('both converged', () => ada.text.toString() === bob.text.toString() && ada.text.length === 24, {
      on: [[ada.doc, 'update'], [bob.doc, 'update']],
    })
    const inspect = await store(url)
    await waitUntil('stored', async () => ((await rowsOf(inspect, 'shared')).changes ?? 0) >= 2)
    const viewer = await openSse(scope, `${b.url}/api/rooms/shared/activity?tail=0`)

    const closes = [closedWith(ada), closedWith(bob)]
    const answer = await a.get('/api/rooms/shared', { method: 'DELETE' })
    expect(answer.status, answer.text).toBe(200)
    expect(await Promise.all(closes)).toEqual([CloseCode.roomDeleted, CloseCode.roomDeleted])
    await viewer.waitFor('deleted on B\'s stream', (events) => events.some((event) => event.type === 'deleted' && event.room === 'shared'), 10_000)
    await waitUntil('B unloaded it', async () => (await b.get('/api/rooms')).json<Array<{ name: string }>>().every((room) => room.name !== 'shared'))
    expect(await rowsOf(inspect, 'shared')).toEqual({ rooms: 0, snapshots: 0, updates: 0, changes: 0, checkpoints: 0, versions: 0 })
    const { rows } = await inspect.pool.query<{ n: string }>("SELECT count(*) AS n FROM cowrite.activity WHERE room = 'shared'")
    expect(Number(rows[0]!.n), 'activity stays').toBeGreaterThan(0)

    // A new, empty room on both instances.
    const carol = await connectClient(scope, b.wsUrl, 'shared')
    const dave = await connectClient(scope, a.wsUrl, 'shared')
    expect([carol.text.toString(), dave.text.toString()]).toEqual(['', ''])
    carol.text.insert(0, 'again')
    await waitUntil('dave sees it', () => dave.text.toString() === 'again', { on: [[dave.doc, 'update']] })
  })
})
