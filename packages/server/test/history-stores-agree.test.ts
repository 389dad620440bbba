/**
 * The three stores keep the same history (storage/history.ts): for random edits appended in
 * batches, the state at the last change at or before each instant is exactly the text a reader
 * had then, through compactions and checkpoints; a read replays one checkpoint and the changes
 * after it, never the whole history; automatic versions skip when nothing changed and list the
 * authors since the previous version. A store of schema version 1 (SQLite and PostgreSQL) is
 * migrated with its documents intact and its history starting from what it held; an SQLite file
 * of version 2 keeps its documents, versions and checkpoints through the renumbering of version 3.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import type { ActivityUser } from '@cowrite/protocol'
import { usePostgresCluster } from '@cowrite/testing'
import { textOf } from '../src/rooms/stored-text.js'
import { createMemoryStorage } from '../src/storage/memory.js'
import { createPostgresStorage } from '../src/storage/postgres.js'
import { MIGRATIONS } from '../src/storage/postgres-schema.js'
import { SCHEMA_VERSION, createSqliteStorage } from '../src/storage/sqlite.js'
import type { Storage } from '../src/storage/storage.js'
import { appendOf } from './helpers/appends.js'
import { tempDir } from './helpers/cowrite-process.js'
import { createRandom, int, pick, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()
const postgres = usePostgresCluster()

type Store = Storage & { compact?(room: string): Promise<void>; compactionsSettled?(): Promise<void> }

const STORES: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => createMemoryStorage()],
  ['SQLite', async () => createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db'), compactAfterCount: 40 })],
  ['PostgreSQL', async () => createPostgresStorage({ url: await postgres.database(), compactAfterCount: 40, historySettleMs: 0 })],
]

const AUTHORS: ActivityUser[] = [{ name: 'Ada', color: '#0090ff' }, { name: 'Bob', color: null }, null]

/** Let the clock move on, so the next append is stored at a later millisecond than `at`. */
async function after(at: number): Promise<void> {
  while (Date.now() <= at) await new Promise((resolve) => setTimeout(resolve, 1))
}

describe.each(STORES)('the %s store\'s history', (_name, open) => {
  it('reads the exact text at every instant through compactions and checkpoints, replaying at most one checkpoint', async () => {
    const seed = testSeed(907)
    const random = createRandom(seed)
    const storage = await open()
    scope.defer(() => storage.close())
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    let pending: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => pending.push(update))
    const text = source.getText('content')

    const seen: Array<{ at: number; text: string }> = [{ at: Date.now() - 1, text: '' }]
    await after(seen[0]!.at)
    for (let step = 0; step < 80; step++) {
      for (let i = int(random, 1, 4); i > 0; i--) randomEdit(random, text)
      await storage.append([appendOf('r', pending, text.length, pick(random, AUTHORS))])
      pending = []
      const at = Date.now()
      seen.push({ at, text: text.toString() })
      await after(at)
      if (step === 20) await storage.history.checkpoint('r')
      if (step === 50) await storage.compact?.('r')
    }
    await storage.compactionsSettled?.()
    await storage.history.checkpoint('r')

    for (const { at, text: expected } of seen) {
      const upto = await storage.history.changeAt('r', at)
      expect(textOf(await storage.history.stateAt('r', upto)), `text at ${at} (seed ${seed})`).toBe(expected)
    }
    const latest = await storage.history.changeAt('r', Date.now())
    // After the final checkpoint the latest state is that checkpoint alone.
    expect(await storage.history.stateAt('r', latest)).toHaveLength(1)
    expect(textOf(await storage.load('r'))).toBe(text.toString())
    expect(await storage.history.stateAt('r', 0)).toEqual([])
    expect(await storage.history.changeAt('r', seen[0]!.at)).toBe(0)
  })

  it('records versions: named always, automatic only after a change, with the authors since the previous one', async () => {
    const storage = await open()
    scope.defer(() => storage.close())
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    const text = source.getText('content')
    const edit = async (insert: string, author: ActivityUser) => {
      const updates: Uint8Array[] = []
      const collect = (update: Uint8Array) => updates.push(update)
      source.on('update', collect)
      text.insert(text.length, insert)
      source.off('update', collect)
      await storage.append([appendOf('v', updates, text.length, author)])
    }
    expect(await storage.history.recordVersion('v', null), 'nothing stored yet').toBeUndefined()
    await edit('Ada. ', AUTHORS[0]!)
    await edit('Bob. ', AUTHORS[1]!)
    await edit('Ada again. ', { name: 'Ada', color: '#ff0000' })
    await edit('Nobody. ', null)
    const first = (await storage.history.recordVersion('v', null))!
    expect(first).toMatchObject({ name: null, length: text.length, authors: [{ name: 'Ada', color: '#ff0000' }, { name: 'Bob', color: null }] })
    expect(await storage.history.recordVersion('v', null), 'automatic, nothing new').toBeUndefined()
    const named = (await storage.history.recordVersion('v', 'Checked'))!
    expect(named).toMatchObject({ name: 'Checked', authors: [], upto: first.upto })
    expect(named.id).toBeGreaterThan(first.id)
    await edit('Bob at the end.', AUTHORS[1]!)
    const last = (await storage.history.recordVersion('v', null))!
    expect(last.authors).toEqual([{ name: 'Bob', color: null }])
    expect((await storage.history.versions('v')).map((version) => version.id)).toEqual([last.id, named.id, first.id])
    expect(await storage.history.version('v', named.id)).toEqual(named)
    expect(await storage.history.version('other', named.id)).toBeUndefined()
    expect(textOf(await storage.history.stateAt('v', first.upto))).toBe('Ada. Bob. Ada again. Nobody. ')
  })
})

/** A document's updates as one room's stored log, and its text. */
function someDocument(): { updates: Uint8Array[]; text: string } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  doc.getText('content').insert(0, 'kept from version 1')
  doc.getText('content').insert(4, ' and migrated')
  const text = doc.getText('content').toString()
  doc.destroy()
  return { updates, text }
}

/** The snapshot, log and activity tables of SQLite schema versions 1 and 2, as those releases created them. */
const SQLITE_LOG_AND_ACTIVITY = `
  CREATE TABLE snapshots (room TEXT PRIMARY KEY, data BLOB NOT NULL);
  CREATE TABLE updates (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL);
  CREATE INDEX updates_by_room ON updates (room, id);
  CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX activity_by_room ON activity (room, id);
`

describe('a store of schema version 1', () => {
  it('(SQLite) is migrated with its document intact; history starts from what it held', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const db = new Database(path)
    db.exec(`
      CREATE TABLE rooms (name TEXT PRIMARY KEY, length INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        log_count INTEGER NOT NULL DEFAULT 0, log_bytes INTEGER NOT NULL DEFAULT 0);
      ${SQLITE_LOG_AND_ACTIVITY}
      PRAGMA user_version = 1;
    `)
    const { updates, text } = someDocument()
    db.prepare('INSERT INTO rooms (name, length, updated_at, log_count) VALUES (?, ?, ?, ?)').run('old', text.length, 1_000, 1)
    db.prepare('INSERT INTO snapshots (room, data) VALUES (?, ?)').run('old', updates[0])
    db.prepare('INSERT INTO updates (room, data) VALUES (?, ?)').run('old', updates[1])
    db.close()

    const storage = createSqliteStorage({ path })
    scope.defer(() => storage.close())
    expect(storage.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(textOf(await storage.load('old'))).toBe(text)
    expect(await storage.get('old')).toMatchObject({ name: 'old', length: text.length, title: null })
    const upto = await storage.history.changeAt('old', Date.now())
    expect(upto).toBeGreaterThan(0)
    expect(textOf(await storage.history.stateAt('old', upto))).toBe(text)
  })

  it('(PostgreSQL) is migrated with its document intact; history starts from what it held', async () => {
    const url = await postgres.database()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    scope.defer(() => client.end())
    await client.query(MIGRATIONS[0]!)
    await client.query('UPDATE cowrite.schema_version SET version = 1')
    const { updates, text } = someDocument()
    await client.query('INSERT INTO cowrite.rooms (name, length, updated_at, log_count) VALUES ($1, $2, $3, 1)', ['old', text.length, 1_000])
    await client.query('INSERT INTO cowrite.snapshots (room, data) VALUES ($1, $2)', ['old', updates[0]])
    await client.query('INSERT INTO cowrite.updates (room, data) VALUES ($1, $2)', ['old', updates[1]])

    const storage = await createPostgresStorage({ url })
    scope.defer(() => storage.close())
    expect((await client.query('SELECT version FROM cowrite.schema_version')).rows[0].version).toBe(2)
    expect(textOf(await storage.load('old'))).toBe(text)
    expect(await storage.get('old')).toMatchObject({ name: 'old', length: text.length, title: null })
    const upto = await storage.history.changeAt('old', Date.now())
    expect(textOf(await storage.history.stateAt('old', upto))).toBe(text)
  })
})

/** Version 2's SQLite layout, as that release created it. */
const SQLITE_VERSION_2 = `
  CREATE TABLE rooms (name TEXT PRIMARY KEY, length INTEGER NOT NULL, title TEXT, updated_at INTEGER NOT NULL,
    log_count INTEGER NOT NULL DEFAULT 0, log_bytes INTEGER NOT NULL DEFAULT 0,
    history_bytes INTEGER NOT NULL DEFAULT 0, checkpoint_bytes INTEGER NOT NULL DEFAULT 0);
  ${SQLITE_LOG_AND_ACTIVITY}
  CREATE TABLE changes (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, at INTEGER NOT NULL,
    author_name TEXT, author_color TEXT, data BLOB NOT NULL);
  CREATE INDEX changes_by_room ON changes (room, id);
  CREATE INDEX changes_by_room_at ON changes (room, at);
  CREATE TABLE checkpoints (room TEXT NOT NULL, upto INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (room, upto));
  CREATE TABLE versions (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, upto INTEGER NOT NULL, at INTEGER NOT NULL,
    name TEXT, authors TEXT NOT NULL, length INTEGER NOT NULL);
  CREATE INDEX versions_by_room ON versions (room, id);
  CREATE TABLE webhooks (url TEXT PRIMARY KEY, delivered INTEGER NOT NULL, lease_owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0);
  PRAGMA user_version = 2;
`

/** A room's edits as separate updates, with the text after each. */
function editsOf(texts: readonly string[]): Array<{ update: Uint8Array; text: string }> {
  const doc = new Y.Doc()
  const edits: Array<{ update: Uint8Array; text: string }> = []
  doc.on('update', (update: Uint8Array) => edits.push({ update, text: doc.getText('content').toString() }))
  for (const text of texts) doc.getText('content').insert(doc.getText('content').length, text)
  doc.destroy()
  return edits
}

describe('an SQLite store of schema version 2', () => {
  it('is renumbered per room with its documents, versions, checkpoints and times intact', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const db = new Database(path)
    db.exec(SQLITE_VERSION_2)
    const a = editsOf(['one', ' two', ' three', ' four', ' five'])
    const b = editsOf(['alpha', ' beta', ' gamma'])
    const c = editsOf(['x', 'y', 'z'])
    // Changes numbered across rooms, as version 2 did; room a's third change went back in time.
    const insertChange = db.prepare<[string, number, Uint8Array]>('INSERT INTO changes (room, at, author_name, data) VALUES (?, ?, \'Ada\', ?)')
    const order: Array<[string, { update: Uint8Array }, number]> = [
      ['a', a[0]!, 1_000], ['b', b[0]!, 1_000], ['a', a[1]!, 2_000], ['a', a[2]!, 1_500], ['c', c[0]!, 1_000],
      ['b', b[1]!, 1_100], ['a', a[3]!, 3_000], ['c', c[1]!, 1_100], ['b', b[2]!, 1_200], ['a', a[4]!, 4_000], ['c', c[2]!, 1_200],
    ]
    const globalId = new Map<Uint8Array, number>()
    for (const [room, { update }, at] of order) globalId.set(update, Number(insertChange.run(room, at, update).lastInsertRowid))
    const merged = (updates: Array<{ update: Uint8Array }>) => Y.mergeUpdates(updates.map(({ update }) => update))
    // a: compacted after its third change, two left in the log; b: never compacted; c: a log
    // that is not its last changes (never written by version 2, but it must not lose anything).
    db.prepare('INSERT INTO snapshots (room, data) VALUES (?, ?)').run('a', merged(a.slice(0, 3)))
    db.prepare('INSERT INTO snapshots (room, data) VALUES (?, ?)').run('c', merged(c.slice(0, 1)))
    const insertLog = db.prepare<[string, Uint8Array]>('INSERT INTO updates (room, data) VALUES (?, ?)')
    for (const { update } of [...a.slice(3)]) insertLog.run('a', update)
    for (const { update } of b) insertLog.run('b', update)
    insertLog.run('c', merged(c.slice(1)))
    db.prepare('INSERT INTO checkpoints (room, upto, data) VALUES (?, ?, ?)').run('a', globalId.get(a[1]!.update), merged(a.slice(0, 2)))
    const insertVersion = db.prepare<[string, number, string | null, number]>(
      "INSERT INTO versions (room, upto, at, name, authors, length) VALUES (?, ?, 5000, ?, '[]', ?)",
    )
    insertVersion.run('a', globalId.get(a[2]!.update)!, 'Draft', a[2]!.text.length)
    insertVersion.run('a', globalId.get(a[4]!.update)!, null, a[4]!.text.length)
    insertVersion.run('b', globalId.get(b[1]!.update)!, null, b[1]!.text.length)
    for (const [room, edits] of [['a', a], ['b', b], ['c', c]] as const) {
      db.prepare('INSERT INTO rooms (name, length, updated_at) VALUES (?, ?, 5000)').run(room, edits.at(-1)!.text.length)
    }
    db.close()

    const storage = createSqliteStorage({ path })
    scope.defer(() => storage.close())
    expect(storage.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    const tables = storage.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
    expect(tables.map(({ name }) => name)).not.toContain('updates')
    for (const [room, edits] of [['a', a], ['b', b], ['c', c]] as const) {
      expect(textOf(await storage.load(room)), `room ${room}`).toBe(edits.at(-1)!.text)
      const ids = storage.db.prepare('SELECT id FROM changes WHERE room = ? ORDER BY id').all(room) as Array<{ id: number }>
      expect(ids.map(({ id }) => id), `room ${room} renumbered`).toEqual(edits.map((_, i) => i + 1))
    }
    expect(storage.db.prepare("SELECT upto FROM snapshots WHERE room = 'a'").get(), 'the snapshot stands before the two logged').toEqual({ upto: 3 })
    expect(storage.db.prepare("SELECT upto FROM snapshots WHERE room = 'c'").get(), 'a log it cannot place: before every change').toEqual({ upto: 0 })
    expect(storage.db.prepare("SELECT upto FROM checkpoints WHERE room = 'a'").get()).toEqual({ upto: 2 })
    const versions = (await storage.history.versions('a')).map(({ upto, name }) => ({ upto, name }))
    expect(versions).toEqual([{ upto: 5, name: null }, { upto: 3, name: 'Draft' }])
    expect((await storage.history.versions('b'))[0]!.upto).toBe(2)
    for (let upto = 1; upto <= 5; upto++) expect(textOf(await storage.history.stateAt('a', upto)), `a at ${upto}`).toBe(a[upto - 1]!.text)
    // Times rise with ids: the change that went back in time is taken as made with the one before.
    expect(await storage.history.changeAt('a', 1_999)).toBe(1)
    expect(await storage.history.changeAt('a', 2_500)).toBe(3)
    expect(await storage.history.changeAt('a', 999)).toBe(0)

    // Appends go on after the renumbered changes.
    const more = editsOf([' six'])
    await storage.append([appendOf('b', [more[0]!.update], 0)])
    expect((storage.db.prepare("SELECT max(id) AS id FROM changes WHERE room = 'b'").get() as { id: number }).id).toBe(4)
  })
})
