/**
 * The PostgreSQL store against a real PostgreSQL (one throwaway cluster for this file, a fresh
 * database per test): documents round-trip; compaction keeps every update, including ones
 * appended while the worker merges, ones committed late with a lower id, and ones another
 * instance appended or compacted meanwhile; activity ids follow commit order across instances and
 * every follower gets every event once, in order, across lost connections; the schema is created
 * once when three instances start together and a newer one is refused; a stopped PostgreSQL fails
 * appends and the same store works again once it is back.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import pg from 'pg'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import type { ActivityEvent, NewActivityEvent } from '@cowrite/protocol'
import { usePostgresCluster } from '@cowrite/testing'
import { createCompactor, type Compactor } from '../src/storage/compactor.js'
import { createPostgresStorage, SCHEMA_VERSION, type PostgresStorage, type PostgresStorageOptions } from '../src/storage/postgres.js'
import { SchemaError } from '../src/storage/storage.js'
import { captureLogs, type LogCapture } from './helpers/logs.js'
import { createRandom, int, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { waitUntil } from './helpers/wait.js'
import { appendOf } from './helpers/appends.js'

const scope = useScope()
const postgres = usePostgresCluster()

async function openStore(url: string, options: Partial<PostgresStorageOptions> = {}): Promise<PostgresStorage> {
  const storage = await createPostgresStorage({ url, ...options })
  scope.defer(() => storage.close())
  return storage
}

/** A plain client of the test's database, for looking at rows and breaking things on purpose. */
async function sql(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  scope.defer(() => client.end())
  return client
}

async function count(client: pg.Client, query: string, values: unknown[] = []): Promise<number> {
  return Number((await client.query<{ n: string }>(query, values)).rows[0]!.n)
}

/** A compactor whose merges wait for `release`, so a test can act between a compaction's read and write. */
function gatedCompactor(): Compactor & { reached: Promise<void>; release(): void } {
  const real = createCompactor()
  scope.defer(() => real.close())
  let reach!: () => void
  let release!: () => void
  const reached = new Promise<void>((resolve) => (reach = resolve))
  const released = new Promise<void>((resolve) => (release = resolve))
  return {
    reached,
    release,
    async compact(updates) {
      reach()
      await released
      return real.compact(updates)
    },
    close: () => real.close(),
  }
}

/** A document whose updates are collected, to be appended in batches. */
function source(seed: number) {
  const random = createRandom(seed)
  const doc = new Y.Doc()
  scope.defer(() => doc.destroy())
  let pending: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => pending.push(update))
  return {
    doc,
    text: doc.getText('content'),
    /** Make `edits` random edits and return their updates as one room's append. */
    edit(room: string, edits: number) {
      for (let i = 0; i < edits; i++) randomEdit(random, doc.getText('content'))
      const updates = pending
      pending = []
      return appendOf(room, updates, doc.getText('content').length)
    },
  }
}

async function loaded(storage: PostgresStorage, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc()
  scope.defer(() => doc.destroy())
  for (const update of await storage.load(room)) Y.applyUpdate(doc, update)
  return doc
}

function expectSameDocument(actual: Y.Doc, expected: Y.Doc, seed: number): void {
  expect(actual.getText('content').toString(), `seed ${seed}`).toBe(expected.getText('content').toString())
  expect(Y.encodeStateVector(actual), `seed ${seed}`).toEqual(Y.encodeStateVector(expected))
}

const event = (room: string, n: number): NewActivityEvent => ({ type: 'join', room, at: new Date(n).toISOString(), user: null })

describe('the PostgreSQL store', () => {
  it('round-trips appends through load, list and get', async () => {
    const url = await postgres.database()
    const storage = await openStore(url)
    expect(storage.shared).toBe(true)
    const a = source(1)
    const b = source(2)
    await storage.append([a.edit('a', 20), b.edit('b', 5)])
    await storage.append([a.edit('a', 3)])
    expectSameDocument(await loaded(storage, 'a'), a.doc, 1)
    expectSameDocument(await loaded(storage, 'b'), b.doc, 2)
    expect(await storage.load('never')).toEqual([])
    expect((await storage.list()).map((room) => [room.name, room.length])).toEqual([
      ['a', a.text.length],
      ['b', b.text.length],
    ])
    const stored = await storage.get('a')
    expect(stored).toMatchObject({ name: 'a', length: a.text.length })
    expect(Math.abs(stored!.updatedAt - Date.now())).toBeLessThan(60_000)
    expect(await storage.get('never')).toBeUndefined()
  })

  it('keeps updates appended while the worker merges, in the log and counted', async () => {
    const url = await postgres.database()
    const compactor = gatedCompactor()
    const storage = await openStore(url, { compactAfterCount: 1_000_000, compactor })
    const db = await sql(url)
    const doc = source(99)
    await storage.append([doc.edit('r', 200)])

    const compaction = storage.compact('r')
    await compactor.reached // the rows are read; these ten land after
    for (let i = 0; i < 10; i++) await storage.append([doc.edit('r', 1)])
    compactor.release()
    await compaction

    expect(await count(db, 'SELECT count(*) AS n FROM cowrite.snapshots WHERE room = $1', ['r'])).toBe(1)
    expect(await count(db, 'SELECT count(*) AS n FROM cowrite.updates WHERE room = $1', ['r'])).toBe(10)
    expect(await count(db, 'SELECT log_count AS n FROM cowrite.rooms WHERE name = $1', ['r'])).toBe(10)
    expectSameDocument(await loaded(storage, 'r'), doc.doc, 99)
    expect((await storage.load('r')).length).toBe(11)
  })

  it('keeps an update that commits after the compaction read, with a lower id than the rows it read', async () => {
    const url = await postgres.database()
    const compactor = gatedCompactor()
    const storage = await openStore(url, { compactAfterCount: 1_000_000, compactor })
    const db = await sql(url)
    const doc = source(5)
    await storage.append([doc.edit('late', 10)])
    // An append in flight: its row has drawn an id, but it has not committed yet.
    const late = doc.edit('late', 1)
    await db.query('BEGIN')
    await db.query('INSERT INTO cowrite.updates (room, data) VALUES ($1, $2)', ['late', late.changes[0]!.update])
    await storage.append([doc.edit('late', 3)]) // higher ids, committed
    const compaction = storage.compact('late')
    await compactor.reached // read without the late row, which commits now, before the write
    await db.query('COMMIT')
    compactor.release()
    await compaction
    expect(await count(db, 'SELECT count(*) AS n FROM cowrite.updates WHERE room = $1', ['late'])).toBe(1)
    expectSameDocument(await loaded(storage, 'late'), doc.doc, 5)
  })

  it('two instances compacting one room concurrently: the one merged from an older read writes nothing', async () => {
    const url = await postgres.database()
    const gateA = gatedCompactor()
    const gateB = gatedCompactor()
    const a = await openStore(url, { compactAfterCount: 1_000_000, compactor: gateA })
    const b = await openStore(url, { compactAfterCount: 1_000_000, compactor: gateB })
    const db = await sql(url)
    const doc = source(11)
    await a.append([doc.edit('shared', 50)])
    const compactionA = a.compact('shared')
    await gateA.reached // A read 50 rows
    await b.append([doc.edit('shared', 5)])
    const compactionB = b.compact('shared')
    await gateB.reached // B read 55
    gateB.release()
    await compactionB // B's snapshot holds all 55
    await a.append([doc.edit('shared', 5)])
    gateA.release()
    await compactionA // A's merge of 50 must not replace B's snapshot
    expect(await count(db, 'SELECT count(*) AS n FROM cowrite.updates WHERE room = $1', ['shared'])).toBe(5)
    expectSameDocument(await loaded(a, 'shared'), doc.doc, 11)
    expectSameDocument(await loaded(b, 'shared'), doc.doc, 11)
  })

  it('two instances appending and compacting the same rooms concurrently lose nothing', async () => {
    const seed = testSeed(2024)
    const random = createRandom(seed)
    const url = await postgres.database()
    const instances = [await openStore(url, { compactAfterCount: 6 }), await openStore(url, { compactAfterCount: 6 })]
    const rooms = ['one', 'two', 'three']
    const docs = rooms.map((_, i) => source(seed + i))
    const inFlight: Promise<void>[] = []
    for (let round = 0; round < 150; round++) {
      const storage = instances[int(random, 0, 1)]!
      const picked = rooms.map((room, i) => ({ room, i })).filter(() => int(random, 0, 1) === 1)
      if (picked.length > 0) inFlight.push(storage.append(picked.map(({ room, i }) => docs[i]!.edit(room, int(random, 1, 4)))))
      if (int(random, 0, 9) === 0) inFlight.push(instances[int(random, 0, 1)]!.compact(rooms[int(random, 0, 2)]!))
      if (int(random, 0, 2) === 0) await nextTurn()
      if (int(random, 0, 5) === 0) await Promise.all(inFlight.splice(0))
    }
    await Promise.all(inFlight)
    for (const storage of instances) await storage.compactionsSettled()
    const db = await sql(url)
    expect(await count(db, 'SELECT count(*) AS n FROM cowrite.snapshots'), `seed ${seed}: compaction never ran`).toBe(3)
    for (const [i, room] of rooms.entries()) {
      for (const storage of instances) expectSameDocument(await loaded(storage, room), docs[i]!.doc, seed)
      const counted = await count(db, 'SELECT log_count AS n FROM cowrite.rooms WHERE name = $1', [room])
      expect(counted, `seed ${seed}: log_count of ${room}`).toBe(await count(db, 'SELECT count(*) AS n FROM cowrite.updates WHERE room = $1', [room]))
    }
  })
})

describe('the PostgreSQL activity log', () => {
  it('gives ids in commit order across two instances, and a follower on each gets every event once, in order', async () => {
    const url = await postgres.database()
    const instances = [await openStore(url, { poolSize: 4 }), await openStore(url, { poolSize: 4 })]
    const followed = instances.map(() => [] as ActivityEvent[])
    for (const [i, storage] of instances.entries()) {
      const stop = await storage.activity.follow((event) => followed[i]!.push(event))
      scope.defer(stop)
    }
    const appended = await Promise.all(
      Array.from({ length: 120 }, (_, n) => instances[n % 2]!.activity.append(event(n % 2 === 0 ? 'even' : 'odd', n))),
    )
    const ids = appended.map((e) => e.id)
    expect(new Set(ids).size).toBe(120)
    for (const events of followed) {
      await waitUntil('the follower has every event', () => events.length >= 120)
    }
    const stored = await instances[0]!.activity.after(0, undefined, 1000)
    expect(stored.map((e) => e.id)).toEqual([...ids].sort((x, y) => x - y))
    for (const events of followed) {
      expect(events).toEqual(stored)
    }
    // Sequential appends of one instance get increasing ids, and so do the next ones of the other.
    const next = [await instances[1]!.activity.append(event('odd', 200)), await instances[0]!.activity.append(event('even', 201))]
    expect(next[0]!.id).toBeGreaterThan(Math.max(...ids))
    expect(next[1]!.id).toBeGreaterThan(next[0]!.id)
    expect(await instances[0]!.activity.after(next[0]!.id - 1, 'even', 10)).toEqual([next[1]])
    expect(await instances[1]!.activity.tail(2, undefined)).toEqual(next)
    expect(await instances[1]!.activity.tail(1, 'odd')).toEqual([next[0]])
  })

  it('a follower whose connection is killed reconnects, catches up what it missed, and logs each transition once', async () => {
    const url = await postgres.database()
    const logs = captureLogs()
    const follower = await openStore(url, { log: logs.logger })
    const writer = await openStore(url)
    const db = await sql(url)
    const events: ActivityEvent[] = []
    scope.defer(await follower.activity.follow((e) => events.push(e)))
    await writer.activity.append(event('r', 1))
    await waitUntil('the first event', () => events.length === 1)

    await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cowrite-activity-follow'")
    // Appended while nobody listens: no notification reaches the follower for these.
    for (let n = 2; n <= 4; n++) await writer.activity.append(event('r', n))
    await waitUntil('the follower caught up', () => events.length === 4, { timeoutMs: 10_000 })
    await writer.activity.append(event('r', 5))
    await waitUntil('and follows live again', () => events.length === 5)
    expect(events.map((e) => e.id)).toEqual((await writer.activity.after(0, undefined, 10)).map((e) => e.id))
    expect(logs.matching('activity follow: connection lost')).toHaveLength(1)
    expect(logs.matching('activity follow: reconnected')).toHaveLength(1)
  })

  it('prunes past the retention count, and never reissues an id', async () => {
    const url = await postgres.database()
    const first = await openStore(url, { activityRetention: 5 })
    const ids: number[] = []
    for (let n = 0; n < 20; n++) ids.push((await first.activity.append(event('r', n))).id)
    expect(await first.activity.bounds()).toEqual({ oldest: ids[15], newest: ids[19] })
    expect((await first.activity.after(0, undefined, 100)).map((e) => e.id)).toEqual(ids.slice(15))
    await first.close()
    const db = await sql(url)
    await db.query('DELETE FROM cowrite.activity')
    const second = await openStore(url, { activityRetention: 5 })
    expect(await second.activity.bounds()).toEqual({ oldest: null, newest: null })
    expect((await second.activity.append(event('r', 20))).id).toBeGreaterThan(ids[19]!)
  })
})

describe('the PostgreSQL schema', () => {
  it('is created once when three instances start at once', async () => {
    const url = await postgres.database()
    const logs: LogCapture[] = [captureLogs(), captureLogs(), captureLogs()]
    const stores = await Promise.all(logs.map((capture) => openStore(url, { log: capture.logger })))
    // One instance takes the database through every version; the others find it current.
    const migrating = logs.map((capture) => capture.matching('postgres schema migrated').length)
    expect(migrating.sort()).toEqual([0, 0, SCHEMA_VERSION])
    const db = await sql(url)
    expect(await count(db, 'SELECT version AS n FROM cowrite.schema_version')).toBe(SCHEMA_VERSION)
    expect(await count(db, 'SELECT count(*) AS n FROM cowrite.schema_version')).toBe(1)
    const doc = source(3)
    await Promise.all(stores.map((storage) => storage.append([doc.edit('r', 1)])))
    expectSameDocument(await loaded(stores[2]!, 'r'), doc.doc, 3)
  })

  it('refuses a database of a newer schema version, or a cowrite schema without a version, and leaves it alone', async () => {
    const url = await postgres.database()
    const storage = await openStore(url)
    await storage.close()
    const db = await sql(url)
    await db.query('UPDATE cowrite.schema_version SET version = $1', [SCHEMA_VERSION + 1])
    const refusal = createPostgresStorage({ url })
    await expect(refusal).rejects.toThrow(SchemaError)
    await expect(refusal).rejects.toThrow(`has Cowrite schema version ${SCHEMA_VERSION + 1}, but this server only knows version ${SCHEMA_VERSION}`)
    expect(await count(db, 'SELECT version AS n FROM cowrite.schema_version')).toBe(SCHEMA_VERSION + 1)

    const other = await postgres.database()
    const otherDb = await sql(other)
    await otherDb.query('CREATE SCHEMA cowrite; CREATE TABLE cowrite.notes (id integer)')
    await expect(createPostgresStorage({ url: other })).rejects.toThrow(/schema "cowrite" without a Cowrite schema version/)
    expect(await count(otherDb, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'cowrite'")).toBe(1)
  })
})

describe('a PostgreSQL that stops', () => {
  it('fails appends while down; the same store (and its follower) works again once it is back', async () => {
    const url = await postgres.database()
    const logs = captureLogs()
    const storage = await openStore(url, { log: logs.logger })
    const events: ActivityEvent[] = []
    scope.defer(await storage.activity.follow((e) => events.push(e)))
    const doc = source(8)
    await storage.append([doc.edit('r', 5)])
    await storage.activity.append(event('r', 1))
    await waitUntil('the first event', () => events.length === 1)

    await postgres.cluster().down()
    const held = doc.edit('r', 2)
    await expect(storage.append([held])).rejects.toThrow()
    await expect(storage.activity.append(event('r', 2))).rejects.toThrow()
    await expect(storage.load('r')).rejects.toThrow()
    // The pool's idle connections died with the server: reported, not thrown at the process.
    expect(logs.matching('idle pooled connection lost').length).toBeGreaterThan(0)

    await postgres.cluster().up()
    await storage.append([held, doc.edit('r', 1)])
    expectSameDocument(await loaded(storage, 'r'), doc.doc, 8)
    expect(await storage.get('r')).toMatchObject({ length: doc.text.length })
    const after = await storage.activity.append(event('r', 3))
    await waitUntil('the follower has the event appended after the restart', () => events.at(-1)?.id === after.id, { timeoutMs: 10_000 })
    expect(events).toHaveLength(2)
    expect(logs.matching('activity follow: connection lost')).toHaveLength(1)
    expect(logs.matching('activity follow: reconnected')).toHaveLength(1)
  })
})
