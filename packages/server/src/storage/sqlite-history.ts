/**
 * The SQLite store's history (storage/history.ts), read from the tables the store writes
 * (sqlite-schema.ts): every change in `changes`, kept states in `checkpoints` (and the snapshot,
 * itself a state after a known change), versions in `versions`. Changes are inserted by the
 * store's append; checkpoints are written by its compactions, which merge once for both the
 * snapshot and, when one is due, a checkpoint (sqlite.ts).
 */
import type Database from 'better-sqlite3'
import { distinctAuthors, type HistoryStore, type StoredVersion } from './history.js'

export interface SqliteHistoryOptions {
  /** The room's text length now, as far as the store knows it better than its row. */
  lengthOf(room: string): number | undefined
  /** Write a checkpoint of the room now (a compaction that keeps its result as a checkpoint). */
  checkpoint(room: string): Promise<void>
}

interface VersionRow {
  id: number
  upto: number
  at: number
  name: string | null
  authors: string
  length: number
}

interface StateRow {
  upto: number
  data: Buffer
}

export function createSqliteHistory(db: Database.Database, options: SqliteHistoryOptions): HistoryStore {
  const selectCheckpoint = db.prepare<[string, number], StateRow>(
    'SELECT upto, data FROM checkpoints WHERE room = ? AND upto <= ? ORDER BY upto DESC LIMIT 1',
  )
  const selectSnapshot = db.prepare<[string, number], StateRow>('SELECT upto, data FROM snapshots WHERE room = ? AND upto <= ?')
  const selectChanges = db.prepare<[string, number, number], { id: number; data: Buffer }>(
    'SELECT id, data FROM changes WHERE room = ? AND id > ? AND id <= ? ORDER BY id',
  )
  // Times rise with ids within a room (sqlite-room-state.ts), so the first change at or after an
  // id tells on which side of an instant it lies.
  const selectFrom = db.prepare<[string, number], { id: number; at: number }>('SELECT id, at FROM changes WHERE room = ? AND id >= ? ORDER BY id LIMIT 1')
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

  const toVersion = (row: VersionRow): StoredVersion => ({ ...row, authors: JSON.parse(row.authors) as StoredVersion['authors'] })

  /** The latest kept state at or before `upto` (a checkpoint or the snapshot), then the changes after it. */
  const stateAt = db.transaction((room: string, upto: number): Uint8Array[] => {
    const checkpoint = selectCheckpoint.get(room, upto)
    const snapshot = selectSnapshot.get(room, upto)
    const base = snapshot && snapshot.upto > (checkpoint?.upto ?? -1) ? snapshot : checkpoint
    const updates: Uint8Array[] = base ? [base.data] : []
    for (const row of selectChanges.iterate(room, base?.upto ?? 0, upto)) updates.push(row.data)
    return updates
  })

  /** The last change at or before `at`: a binary search over the room's ids. */
  const changeAt = (room: string, at: number): number => {
    let found = 0
    let low = 1
    let high = selectLatest.get(room)?.id ?? 0
    while (low <= high) {
      const middle = Math.floor((low + high) / 2)
      const change = selectFrom.get(room, middle)
      if (change && change.at <= at) {
        found = change.id
        low = change.id + 1
      } else {
        high = middle - 1
      }
    }
    return found
  }

  const recordVersion = db.transaction((room: string, name: string | null): StoredVersion | undefined => {
    const upto = selectLatest.get(room)?.id ?? 0
    const previous = selectLastVersion.get(room)
    if (name === null && (upto === 0 || previous?.upto === upto)) return undefined
    const at = Date.now()
    const authors = distinctAuthors(selectAuthors.iterate(room, previous?.upto ?? 0, upto))
    const length = options.lengthOf(room) ?? selectLength.get(room)?.length ?? 0
    const { id } = insertVersion.get(room, upto, at, name, JSON.stringify(authors), length)!
    return { id, upto, at, name, authors, length }
  })

  return {
    async stateAt(room, upto) {
      return upto <= 0 ? [] : stateAt(room, upto)
    },
    async changesBetween(room, after, upto) {
      return selectAuthored.all(room, after, upto).map(({ name, color, data }) => ({ update: data, author: name === null ? null : { name, color } }))
    },
    async changeAt(room, at) {
      return changeAt(room, at)
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
    checkpoint: (room) => options.checkpoint(room),
  }
}
