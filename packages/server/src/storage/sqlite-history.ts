/**
 * The SQLite store's history (storage/history.ts), in the same database as the documents:
 *
 *   changes(id PK AUTOINCREMENT, room, at, author_name, author_color, data)   every stored change
 *   checkpoints(room, upto, data)                                             state after change `upto`
 *   versions(id PK AUTOINCREMENT, room, upto, at, name, authors JSON, length)
 *
 * Changes are inserted by the store's append, in its transaction (`insert`); checkpoints are
 * merged on the compactor's thread, like snapshots, and written in a transaction of their own.
 * The room row's `history_bytes` counts the bytes of changes after the last checkpoint.
 */
import type Database from 'better-sqlite3'
import type { Logger } from '../log.js'
import { createCompactionRuns } from './compaction-runs.js'
import type { Compactor } from './compactor.js'
import { distinctAuthors, type HistoryStore, type StoredVersion } from './history.js'
import type { Change } from './storage.js'

export interface SqliteHistory extends HistoryStore {
  /** Store a room's changes, stored at `at`; call inside the append's transaction. Returns their bytes. */
  insert(room: string, changes: readonly Change[], at: number): number
  /** After an append committed: checkpoint these rooms (in the background). */
  schedule(rooms: readonly string[]): void
  /** Start no more checkpoints and wait for the running ones. */
  close(): Promise<void>
  /** Resolves once no checkpoint of `room` is being written. */
  settledFor(room: string): Promise<void>
}

interface VersionRow {
  id: number
  upto: number
  at: number
  name: string | null
  authors: string
  length: number
}

/** The history tables, created by the schema and by the migration from version 1. */
export const HISTORY_SCHEMA = `
  CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    at INTEGER NOT NULL,
    author_name TEXT,
    author_color TEXT,
    data BLOB NOT NULL
  );
  CREATE INDEX changes_by_room ON changes (room, id);
  CREATE INDEX changes_by_room_at ON changes (room, at);
  CREATE TABLE checkpoints (room TEXT NOT NULL, upto INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (room, upto));
  CREATE TABLE versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    upto INTEGER NOT NULL,
    at INTEGER NOT NULL,
    name TEXT,
    authors TEXT NOT NULL,
    length INTEGER NOT NULL
  );
  CREATE INDEX versions_by_room ON versions (room, id);
`

export function createSqliteHistory(db: Database.Database, compactor: Compactor, log?: Logger): SqliteHistory {
  const insertChange = db.prepare<[string, number, string | null, string | null, Uint8Array]>(
    'INSERT INTO changes (room, at, author_name, author_color, data) VALUES (?, ?, ?, ?, ?)',
  )
  const selectCheckpoint = db.prepare<[string, number], { upto: number; data: Buffer }>(
    'SELECT upto, data FROM checkpoints WHERE room = ? AND upto <= ? ORDER BY upto DESC LIMIT 1',
  )
  const selectChanges = db.prepare<[string, number, number], { id: number; data: Buffer }>(
    'SELECT id, data FROM changes WHERE room = ? AND id > ? AND id <= ? ORDER BY id',
  )
  const selectChangeAt = db.prepare<[string, number], { id: number }>(
    'SELECT id FROM changes WHERE room = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1',
  )
  const selectLatest = db.prepare<[string], { id: number | null }>('SELECT max(id) AS id FROM changes WHERE room = ?')
  const selectAuthors = db.prepare<[string, number, number], { name: string | null; color: string | null }>(
    'SELECT author_name AS name, author_color AS color FROM changes WHERE room = ? AND id > ? AND id <= ? ORDER BY id',
  )
  const selectAuthored = db.prepare<[string, number, number], { name: string | null; color: string | null; data: Buffer }>(
    'SELECT author_name AS name, author_color AS color, data FROM changes WHERE room = ? AND id > ? AND id <= ? ORDER BY id',
  )
  const selectLength = db.prepare<[string], { length: number }>('SELECT length FROM rooms WHERE name = ?')
  const selectVersions = db.prepare<[string], VersionRow>('SELECT id, upto, at, name, authors, length FROM versions WHERE room = ? ORDER BY id DESC')
  const selectVersion = db.prepare<[string, number], VersionRow>('SELECT id, upto, at, name, authors, length FROM versions WHERE room = ? AND id = ?')
  const selectLastVersion = db.prepare<[string], VersionRow>(
    'SELECT id, upto, at, name, authors, length FROM versions WHERE room = ? ORDER BY id DESC LIMIT 1',
  )
  const insertVersion = db.prepare<[string, number, number, string | null, string, number], { id: number }>(
    'INSERT INTO versions (room, upto, at, name, authors, length) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
  )
  const insertCheckpoint = db.prepare<[string, number, Uint8Array]>(
    'INSERT INTO checkpoints (room, upto, data) VALUES (?, ?, ?) ON CONFLICT (room, upto) DO NOTHING',
  )
  const recount = db.prepare<[number, number, string]>(
    `UPDATE rooms SET checkpoint_bytes = ?,
       history_bytes = (SELECT coalesce(sum(length(data)), 0) FROM changes WHERE room = name AND id > ?)
     WHERE name = ?`,
  )

  const toVersion = (row: VersionRow): StoredVersion => ({ ...row, authors: JSON.parse(row.authors) as StoredVersion['authors'] })

  /** The checkpoint at or before `upto` and the changes after it; `lastId` is the last change read. */
  const readState = (room: string, upto: number): { updates: Uint8Array[]; lastId: number } => {
    const checkpoint = selectCheckpoint.get(room, upto)
    const updates: Uint8Array[] = checkpoint ? [checkpoint.data] : []
    let lastId = checkpoint?.upto ?? 0
    for (const row of selectChanges.iterate(room, lastId, upto)) {
      updates.push(row.data)
      lastId = row.id
    }
    return { updates, lastId }
  }
  // One read transaction, so a read never sees a checkpoint half written.
  const stateAt = db.transaction(readState)

  const recordVersion = db.transaction((room: string, name: string | null): StoredVersion | undefined => {
    const upto = selectLatest.get(room)?.id ?? 0
    const previous = selectLastVersion.get(room)
    if (name === null && (upto === 0 || previous?.upto === upto)) return undefined
    const at = Date.now()
    const authors = distinctAuthors(selectAuthors.iterate(room, previous?.upto ?? 0, upto))
    const length = selectLength.get(room)?.length ?? 0
    const { id } = insertVersion.get(room, upto, at, name, JSON.stringify(authors), length)!
    return { id, upto, at, name, authors, length }
  })

  const writeCheckpoint = db.transaction((room: string, upto: number, data: Uint8Array) => {
    insertCheckpoint.run(room, upto, data)
    recount.run(data.byteLength, upto, room)
  })
  const checkpoints = createCompactionRuns(async (room) => {
    if (!db.open) return
    const latest = selectLatest.get(room)?.id ?? 0
    const { updates, lastId } = stateAt(room, latest)
    if (lastId === (selectCheckpoint.get(room, latest)?.upto ?? 0)) return
    const state = await compactor.compact(updates)
    if (!db.open || checkpoints.closing) return
    writeCheckpoint.immediate(room, lastId, state)
  }, log)

  return {
    insert(room, changes, at) {
      let bytes = 0
      for (const { update, author } of changes) {
        insertChange.run(room, at, author?.name ?? null, author?.color ?? null, update)
        bytes += update.byteLength
      }
      return bytes
    },
    schedule: (rooms) => checkpoints.schedule(rooms),
    close: () => checkpoints.close(),
    settledFor: (room) => checkpoints.settledFor(room),
    async stateAt(room, upto) {
      return upto <= 0 ? [] : stateAt(room, upto).updates
    },
    async changesBetween(room, after, upto) {
      return selectAuthored.all(room, after, upto).map(({ name, color, data }) => ({ update: data, author: name === null ? null : { name, color } }))
    },
    async changeAt(room, at) {
      return selectChangeAt.get(room, at)?.id ?? 0
    },
    async recordVersion(room, name) {
      return recordVersion.immediate(room, name)
    },
    async versions(room) {
      return selectVersions.all(room).map(toVersion)
    },
    async version(room, id) {
      const row = selectVersion.get(room, id)
      return row && toVersion(row)
    },
    checkpoint: (room) => checkpoints.compact(room),
  }
}
