/**
 * The default store: one SQLite file (better-sqlite3, WAL, synchronous=NORMAL), so a document
 * survives `kill -9`. Per room an append log of updates plus one compacted snapshot; a room's log
 * is folded into its snapshot once it passes a count or a size. Beside them the room's history
 * (sqlite-history.ts: every change, checkpoints, versions) and the activity log. When appends
 * happen is the commit queue's business (rooms/commit-queue.ts); this module only makes each batch
 * one transaction.
 *
 * Schema (PRAGMA user_version = 2):
 *   rooms(name PK, length, title, updated_at, log_count, log_bytes, history_bytes, checkpoint_bytes)
 *   snapshots(room PK, data)                     the compacted state
 *   updates(id PK AUTOINCREMENT, room, data)     appended since the snapshot
 *   changes, checkpoints, versions               the history (sqlite-history.ts)
 *   webhooks(url PK, delivered, lease_owner, lease_until)   webhook cursors (sqlite-webhooks.ts)
 *   activity(id PK AUTOINCREMENT, room, data)    the activity log (JSON events)
 *
 * A new file gets the current schema, a version 1 file is migrated (its history starts with what
 * it holds), and a file with another version is refused rather than guessed at.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_ACTIVITY_RETENTION } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import { createCompactionRuns } from './compaction-runs.js'
import { createCompactor } from './compactor.js'
import { monotonicClock, needsCheckpoint } from './history.js'
import { createSqliteActivityLog } from './sqlite-activity.js'
import { HISTORY_SCHEMA, createSqliteHistory } from './sqlite-history.js'
import { createSqliteWebhookCursors } from './sqlite-webhooks.js'
import { WEBHOOKS_TABLE } from './webhook-cursors.js'
import { SchemaError, type CompactingStorage, type RoomAppend, type StoredRoom } from './storage.js'

/** Updates inserted per statement when a turn brings many: fewer calls into SQLite under a flood. */
const INSERT_CHUNK = 16

/** The schema this code reads and writes. */
export const SCHEMA_VERSION = 2

export interface SqliteStorageOptions {
  /** The database file; its directory is created if missing. */
  path: string
  /** Log entries past which a room is compacted. Default 1000. */
  compactAfterCount?: number
  /** Log bytes past which a room is compacted. Default 1 MiB. */
  compactAfterBytes?: number
  /** Activity events kept (oldest dropped). Default 100,000. */
  activityRetention?: number
  /** Where compaction failures are reported (they never fail an append). */
  log?: Logger
}

/** The SQLite store, with its connection exposed for operations and tests. */
export interface SqliteStorage extends CompactingStorage {
  readonly db: Database.Database
}


interface RoomRow {
  name: string
  length: number
  title: string | null
  updated_at: number
}

interface RoomCounts {
  log_count: number
  log_bytes: number
  history_bytes: number
  checkpoint_bytes: number
}

export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const compactAfterCount = options.compactAfterCount ?? 1000
  const compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024
  mkdirSync(dirname(options.path), { recursive: true })
  const db = new Database(options.path)
  try {
    // Inspect before anything writes: even switching to WAL rewrites the file's header, and a
    // file this server refuses must be left exactly as it was.
    const version = checkSchema(db, options.path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    if (version === 0) createSchema(db)
    else if (version === 1) migrateFromVersion1(db)
  } catch (error) {
    db.close()
    throw error
  }

  const insertUpdate = db.prepare<[string, Uint8Array]>('INSERT INTO updates (room, data) VALUES (?, ?)')
  // Rows of one multi-row INSERT get ascending ids in the order listed, so the log keeps its order.
  const insertUpdates = db.prepare<Array<string | Uint8Array>>(
    `INSERT INTO updates (room, data) VALUES ${Array<string>(INSERT_CHUNK).fill('(?, ?)').join(', ')}`,
  )
  const upsertRoom = db.prepare<[string, number, string | null, number, number, number, number], RoomCounts>(
    `INSERT INTO rooms (name, length, title, updated_at, log_count, log_bytes, history_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET length = excluded.length, title = excluded.title, updated_at = excluded.updated_at,
       log_count = log_count + excluded.log_count, log_bytes = log_bytes + excluded.log_bytes,
       history_bytes = history_bytes + excluded.history_bytes
     RETURNING log_count, log_bytes, history_bytes, checkpoint_bytes`,
  )
  const selectSnapshot = db.prepare<[string], { data: Buffer }>('SELECT data FROM snapshots WHERE room = ?')
  const selectLog = db.prepare<[string], { id: number; data: Buffer }>('SELECT id, data FROM updates WHERE room = ? ORDER BY id')
  const upsertSnapshot = db.prepare<[string, Uint8Array]>(
    'INSERT INTO snapshots (room, data) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET data = excluded.data',
  )
  const deleteLog = db.prepare<[string, number]>('DELETE FROM updates WHERE room = ? AND id <= ?')
  const recountLog = db.prepare<{ room: string }>(
    `UPDATE rooms SET log_count = (SELECT count(*) FROM updates WHERE room = :room),
       log_bytes = (SELECT coalesce(sum(length(data)), 0) FROM updates WHERE room = :room)
     WHERE name = :room`,
  )
  const selectRooms = db.prepare<[], RoomRow>('SELECT name, length, title, updated_at FROM rooms ORDER BY name')
  const selectRoom = db.prepare<[string], RoomRow>('SELECT name, length, title, updated_at FROM rooms WHERE name = ?')

  const deleteStatements = ['rooms WHERE name', 'snapshots WHERE room', 'updates WHERE room', 'changes WHERE room', 'checkpoints WHERE room', 'versions WHERE room'].map(
    (table) => db.prepare<[string]>(`DELETE FROM ${table} = ?`),
  )
  /** Every row of the room but its activity events, in one transaction; true if there was any. */
  const deleteRoom = db.transaction((room: string): boolean => {
    let removed = 0
    for (const statement of deleteStatements) removed += statement.run(room).changes
    return removed > 0
  })

  const toStored = (row: RoomRow): StoredRoom => ({ name: row.name, length: row.length, title: row.title, updatedAt: row.updated_at })

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

  // One read transaction, so a load never sees a compaction half done.
  const load = db.transaction((room: string) => readRoom(room).updates)

  /**
   * Compaction in three steps: read the snapshot and log in one read transaction; merge them on
   * the compactor's thread while appends go on; then, in one write transaction, store the new
   * snapshot and delete only the rows that were read (`id <= lastId`). An update appended
   * meanwhile has a higher id, so it stays in the log, and the counts are taken afresh.
   */
  const readForCompaction = db.transaction((room: string) => readRoom(room))
  const replaceWithSnapshot = db.transaction((room: string, snapshot: Uint8Array, lastId: number) => {
    upsertSnapshot.run(room, snapshot)
    deleteLog.run(room, lastId)
    recountLog.run({ room })
  })
  const compactor = createCompactor()
  const history = createSqliteHistory(db, compactor, options.log)
  const clock = monotonicClock()
  const compactions = createCompactionRuns(async (room) => {
    if (!db.open) return
    const { updates, lastId } = readForCompaction(room)
    if (lastId === 0) return
    const snapshot = await compactor.compact(updates)
    if (!db.open) return
    replaceWithSnapshot.immediate(room, snapshot, lastId)
  }, options.log)

  const append = db.transaction((batch: readonly RoomAppend[]): { toCompact: string[]; toCheckpoint: string[] } => {
    const now = clock()
    const toCompact: string[] = []
    const toCheckpoint: string[] = []
    for (const { room, changes, length, title } of batch) {
      const updates = changes.map(({ update }) => update)
      const bytes = history.insert(room, changes, now)
      let next = 0
      for (; next + INSERT_CHUNK <= updates.length; next += INSERT_CHUNK) {
        const params: Array<string | Uint8Array> = []
        for (let i = next; i < next + INSERT_CHUNK; i++) params.push(room, updates[i]!)
        insertUpdates.run(...params)
      }
      for (; next < updates.length; next++) insertUpdate.run(room, updates[next]!)
      const counts = upsertRoom.get(room, length, title, now, updates.length, bytes, bytes)!
      if (counts.log_count > compactAfterCount || counts.log_bytes > compactAfterBytes) toCompact.push(room)
      if (needsCheckpoint(counts.history_bytes, counts.checkpoint_bytes)) toCheckpoint.push(room)
    }
    return { toCompact, toCheckpoint }
  })


  return {
    activity: createSqliteActivityLog(db, options.activityRetention ?? DEFAULT_ACTIVITY_RETENTION),
    history,
    webhooks: createSqliteWebhookCursors(db),
    db,
    compactionsSettled: () => compactions.settled(),
    // With none running, the rows are read before this returns.
    compact: (room) => compactions.compact(room),
    async load(room) {
      return load(room)
    },
    async append(batch) {
      const { toCompact, toCheckpoint } = append(batch)
      compactions.schedule(toCompact)
      history.schedule(toCheckpoint)
    },
    async list() {
      return selectRooms.all().map(toStored)
    },
    async get(room) {
      const row = selectRoom.get(room)
      return row && toStored(row)
    },
    async delete(room) {
      // A compaction or checkpoint read before the deletion must not write its result after it.
      await compactions.settledFor(room)
      await history.settledFor(room)
      return deleteRoom.immediate(room)
    },
    async close() {
      if (!db.open) return
      await compactions.close()
      await history.close()
      await compactor.close()
      if (!db.open) return
      try {
        // Fold the WAL back into the main file so a stopped server leaves one file behind.
        db.pragma('wal_checkpoint(TRUNCATE)')
      } catch (error) {
        options.log?.warn({ err: error }, 'storage checkpoint at close failed')
      } finally {
        db.close()
      }
    },
  }
}

/**
 * The file's schema version: 0 for a new file (no tables), which needs the schema, 1 for one to
 * migrate; throws a SchemaError for a file of another version or of another application. Reads only.
 */
function checkSchema(db: Database.Database, path: string): number {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version === SCHEMA_VERSION || version === 1) return version
  if (version !== 0) {
    throw new SchemaError(
      `${path} has Cowrite schema version ${version}, but this server only knows version ${SCHEMA_VERSION}; ` +
        'refusing to open it (run the Cowrite release that wrote it, or point --data elsewhere)',
    )
  }
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
  if (tables.n > 0) {
    throw new SchemaError(`${path} is an SQLite database without a Cowrite schema version; refusing to modify it`)
  }
  return 0
}

/** The current schema, in one transaction, version included. */
function createSchema(db: Database.Database): void {
  db.exec(`
    BEGIN;
    CREATE TABLE rooms (
      name TEXT PRIMARY KEY,
      length INTEGER NOT NULL,
      title TEXT,
      updated_at INTEGER NOT NULL,
      log_count INTEGER NOT NULL DEFAULT 0,
      log_bytes INTEGER NOT NULL DEFAULT 0,
      history_bytes INTEGER NOT NULL DEFAULT 0,
      checkpoint_bytes INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE snapshots (room TEXT PRIMARY KEY, data BLOB NOT NULL);
    CREATE TABLE updates (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL);
    CREATE INDEX updates_by_room ON updates (room, id);
    CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data TEXT NOT NULL);
    CREATE INDEX activity_by_room ON activity (room, id);
    ${HISTORY_SCHEMA}
    CREATE TABLE ${WEBHOOKS_TABLE};
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `)
}

/**
 * Version 1 had no history: it starts with what the file holds. Each snapshot becomes the room's
 * first checkpoint and each log row a change (by nobody known, at the room's last write time).
 */
function migrateFromVersion1(db: Database.Database): void {
  db.exec(`
    BEGIN IMMEDIATE;
    ALTER TABLE rooms ADD COLUMN title TEXT;
    ALTER TABLE rooms ADD COLUMN history_bytes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE rooms ADD COLUMN checkpoint_bytes INTEGER NOT NULL DEFAULT 0;
    ${HISTORY_SCHEMA}
    CREATE TABLE ${WEBHOOKS_TABLE};
    INSERT INTO checkpoints (room, upto, data) SELECT room, 0, data FROM snapshots;
    INSERT INTO changes (room, at, data)
      SELECT updates.room, rooms.updated_at, updates.data FROM updates JOIN rooms ON rooms.name = updates.room ORDER BY updates.id;
    UPDATE rooms SET
      history_bytes = (SELECT coalesce(sum(length(data)), 0) FROM changes WHERE room = name),
      checkpoint_bytes = coalesce((SELECT length(data) FROM snapshots WHERE room = name), 0);
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `)
}
