/**
 * The default store: one SQLite file (better-sqlite3, WAL, synchronous=NORMAL), so a document
 * survives `kill -9`. Per room an append log of updates plus one compacted snapshot; a room's log
 * is folded into its snapshot once it passes a count or a size.
 *
 * Schema (PRAGMA user_version = 1):
 *   rooms(name PK, length, updated_at, log_count, log_bytes)
 *   snapshots(room PK, data)          the compacted state
 *   updates(id PK AUTOINCREMENT, room, data)   appended since the snapshot
 *   activity(id PK AUTOINCREMENT, room, data)  the activity log (JSON events)
 */
import Database from 'better-sqlite3'
import { compactUpdates } from './compact.js'
import { createSqliteActivityLog } from './sqlite-activity.js'
import type { RoomAppend, Storage, StoredRoom } from './storage.js'

const SCHEMA_VERSION = 1

export interface SqliteStorageOptions {
  /** The database file; its directory must exist. */
  path: string
  /** Log entries past which a room is compacted. Default 1000. */
  compactAfterCount?: number
  /** Log bytes past which a room is compacted. Default 1 MiB. */
  compactAfterBytes?: number
  /** Activity events kept (oldest dropped). Default 100,000. */
  activityRetention?: number
}

interface RoomRow {
  name: string
  length: number
  updated_at: number
}

export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  const compactAfterCount = options.compactAfterCount ?? 1000
  const compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024
  const db = new Database(options.path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  migrate(db)

  const insertUpdate = db.prepare<[string, Uint8Array]>('INSERT INTO updates (room, data) VALUES (?, ?)')
  const upsertRoom = db.prepare<[string, number, number, number, number]>(
    `INSERT INTO rooms (name, length, updated_at, log_count, log_bytes) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET length = excluded.length, updated_at = excluded.updated_at,
       log_count = log_count + excluded.log_count, log_bytes = log_bytes + excluded.log_bytes
     RETURNING log_count, log_bytes`,
  )
  const selectSnapshot = db.prepare<[string], { data: Buffer }>('SELECT data FROM snapshots WHERE room = ?')
  const selectLog = db.prepare<[string], { id: number; data: Buffer }>('SELECT id, data FROM updates WHERE room = ? ORDER BY id')
  const upsertSnapshot = db.prepare<[string, Uint8Array]>(
    'INSERT INTO snapshots (room, data) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET data = excluded.data',
  )
  const deleteLog = db.prepare<[string, number]>('DELETE FROM updates WHERE room = ? AND id <= ?')
  const resetCounts = db.prepare<[string]>('UPDATE rooms SET log_count = 0, log_bytes = 0 WHERE name = ?')
  const selectRooms = db.prepare<[], RoomRow>('SELECT name, length, updated_at FROM rooms ORDER BY name')
  const selectRoom = db.prepare<[string], RoomRow>('SELECT name, length, updated_at FROM rooms WHERE name = ?')

  const toStored = (row: RoomRow): StoredRoom => ({ name: row.name, length: row.length, updatedAt: row.updated_at })

  /** Read a room's snapshot and log; the highest log id read is returned for compaction. */
  const readRoom = (room: string): { updates: Uint8Array[]; lastId: number } => {
    const updates: Uint8Array[] = []
    const snapshot = selectSnapshot.get(room)
    if (snapshot) updates.push(snapshot.data)
    let lastId = 0
    for (const row of selectLog.iterate(room)) {
      updates.push(row.data)
      lastId = row.id
    }
    return { updates, lastId }
  }

  /** Fold a room's log into its snapshot, in one transaction, so no reader sees half of it. */
  const compact = db.transaction((room: string) => {
    const { updates, lastId } = readRoom(room)
    if (lastId === 0) return
    upsertSnapshot.run(room, compactUpdates(updates))
    deleteLog.run(room, lastId)
    resetCounts.run(room)
  })

  const append = db.transaction((batch: readonly RoomAppend[]): string[] => {
    const now = Date.now()
    const toCompact: string[] = []
    for (const { room, updates, length } of batch) {
      let bytes = 0
      for (const update of updates) {
        insertUpdate.run(room, update)
        bytes += update.byteLength
      }
      const counts = upsertRoom.get(room, length, now, updates.length, bytes) as { log_count: number; log_bytes: number }
      if (counts.log_count > compactAfterCount || counts.log_bytes > compactAfterBytes) toCompact.push(room)
    }
    return toCompact
  })

  // Compaction runs after the append that triggered it, so it never delays a relay.
  const compacting = new Set<string>()
  const scheduleCompaction = (rooms: readonly string[]) => {
    for (const room of rooms) {
      if (compacting.has(room)) continue
      compacting.add(room)
      setImmediate(() => {
        compacting.delete(room)
        if (db.open) compact(room)
      })
    }
  }

  return {
    activity: createSqliteActivityLog(db, options.activityRetention ?? 100_000),
    async load(room) {
      return readRoom(room).updates
    },
    async append(batch) {
      scheduleCompaction(append(batch))
    },
    async list() {
      return selectRooms.all().map(toStored)
    },
    async get(room) {
      const row = selectRoom.get(room)
      return row && toStored(row)
    },
    async close() {
      if (!db.open) return
      db.pragma('wal_checkpoint(TRUNCATE)')
      db.close()
    },
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version === SCHEMA_VERSION) return
  if (version !== 0) throw new Error(`Unsupported Cowrite database schema version ${version} (expected ${SCHEMA_VERSION})`)
  db.exec(`
    BEGIN;
    CREATE TABLE rooms (
      name TEXT PRIMARY KEY,
      length INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      log_count INTEGER NOT NULL DEFAULT 0,
      log_bytes INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE snapshots (room TEXT PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE updates (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL);
    CREATE INDEX updates_by_room ON updates (room, id);
    CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX activity_by_room ON activity (room, id);
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `)
}
