/**
 * The three stores keep the same history (storage/history.ts): for random edits appended in
 * batches, the state at the last change at or before each instant is exactly the text a reader
 * had then, through compactions and checkpoints; a read replays one checkpoint and the changes
 * after it, never the whole history; automatic versions skip when nothing changed and list the
 * authors since the previous version. A store of schema version 1 (SQLite and PostgreSQL) is
 * migrated with its documents intact and its history starting from what it held.
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
import { createSqliteStorage } from '../src/storage/sqlite.js'
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

describe('a store of schema version 1', () => {
  it('(SQLite) is migrated with its document intact; history starts from what it held', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const db = new Database(path)
    db.exec(`
      CREATE TABLE rooms (name TEXT PRIMARY KEY, length INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        log_count INTEGER NOT NULL DEFAULT 0, log_bytes INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE snapshots (room TEXT PRIMARY KEY, data BLOB NOT NULL);
      CREATE TABLE updates (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL);
      CREATE INDEX updates_by_room ON updates (room, id);
      CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX activity_by_room ON activity (room, id);
      PRAGMA user_version = 1;
    `)
    const { updates, text } = someDocument()
    db.prepare('INSERT INTO rooms (name, length, updated_at, log_count) VALUES (?, ?, ?, ?)').run('old', text.length, 1_000, 1)
    db.prepare('INSERT INTO snapshots (room, data) VALUES (?, ?)').run('old', updates[0])
    db.prepare('INSERT INTO updates (room, data) VALUES (?, ?)').run('old', updates[1])
    db.close()

    const storage = createSqliteStorage({ path })
    scope.defer(() => storage.close())
    expect(storage.db.pragma('user_version', { simple: true })).toBe(2)
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
