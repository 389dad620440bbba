/**
 * The default store: one SQLite file (better-sqlite3, WAL, synchronous=NORMAL), so a document
 * survives `kill -9`. Every change is one row of the room's history (sqlite-schema.ts); a room's
 * snapshot stands after some change, and a load replays the changes after it. Once those pass a
 * count or a size, or a checkpoint is due, the room is compacted into a new snapshot, kept as a
 * checkpoint too when the history calls for one (storage/history.ts): a small room in the append's
 * own transaction, from the state its caller holds; a bigger one merged on the compactor's thread. When appends happen is the commit queue's business
 * (rooms/commit-queue.ts); this module makes each batch one transaction that writes the changes
 * and, now and then, a room's summary (sqlite-room-state.ts).
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { DEFAULT_ACTIVITY_RETENTION } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import { createCompactionRuns } from './compaction-runs.js'
import { createCompactor } from './compactor.js'
import { needsCheckpoint } from './history.js'
import { createSqliteActivityLog } from './sqlite-activity.js'
import { createSqliteHistory } from './sqlite-history.js'
import { createRoomStates } from './sqlite-room-state.js'
import { openSchema } from './sqlite-schema.js'
import { createSqliteWebhookCursors } from './sqlite-webhooks.js'
import type { CompactingStorage, RoomAppend, StoredRoom } from './storage.js'

export { SCHEMA_VERSION } from './sqlite-schema.js'

/** Changes inserted per statement when a turn brings many: fewer calls into SQLite under a flood. */
const INSERT_CHUNK = 16

/**
 * Largest room (its snapshot and the changes after it) a commit compacts with the room's own
 * state, encoded on the event loop (about 4 ms for 168 KB of state): far cheaper than merging them
 * again on the compactor's thread (26 ms to apply that state, plus each change), which bigger
 * documents still use so the loop never stalls long.
 */
const STATE_ON_LOOP_BYTES = 256 * 1024

export interface SqliteStorageOptions {
  /** The database file; its directory is created if missing. */
  path: string
  /**
   * Changes after the snapshot past which a room is compacted. Default 5000: a compaction costs
   * about a load of the snapshot plus 5–7 µs per change (a 10,000-character document typed at
   * random places: 168 KB of state, 26 ms to apply), so folding 5000 changes at a time instead
   * of 1000 costs 13 instead of 37 µs per change, and a load replaying 5000 changes after the
   * snapshot stays about as fast as one replaying 1000.
   */
  compactAfterCount?: number
  /** Bytes of changes after the snapshot past which a room is compacted. Default 1 MiB. */
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

/** What a load replays: the snapshot, then the changes after it; `upto` is the last change read. */
interface RoomRead {
  updates: Uint8Array[]
  snapshotUpto: number
  upto: number
  /** Bytes of the changes read (not the snapshot). */
  bytes: number
}

/** A reader of rooms as a load sees them (the store's, and the commands' on a file opened read-only). */
export function createRoomReader(db: Database.Database): (room: string) => RoomRead {
  const selectSnapshot = db.prepare<[string], { upto: number; data: Buffer }>('SELECT upto, data FROM snapshots WHERE room = ?')
  const selectLog = db.prepare<[string, number], { id: number; data: Buffer }>('SELECT id, data FROM changes WHERE room = ? AND id > ? ORDER BY id')
  return (room) => {
    const snapshot = selectSnapshot.get(room)
    const updates: Uint8Array[] = snapshot ? [snapshot.data] : []
    const snapshotUpto = snapshot?.upto ?? 0
    let upto = snapshotUpto
    let bytes = 0
    for (const row of selectLog.iterate(room, snapshotUpto)) {
      updates.push(row.data)
      upto = row.id
      bytes += row.data.byteLength
    }
    return { updates, snapshotUpto, upto, bytes }
  }
}

export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const compactAfterCount = options.compactAfterCount ?? 5000
  const compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024
  mkdirSync(dirname(options.path), { recursive: true })
  const db = new Database(options.path)
  try {
    openSchema(db, options.path, () => {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('busy_timeout = 5000')
    })
  } catch (error) {
    db.close()
    throw error
  }

  const insertChange = db.prepare<[string, number, number, string | null, string | null, Uint8Array]>(
    'INSERT INTO changes (room, id, at, author_name, author_color, data) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const insertChanges = db.prepare<Array<string | number | null | Uint8Array>>(
    `INSERT INTO changes (room, id, at, author_name, author_color, data) VALUES ${Array<string>(INSERT_CHUNK).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
  )
  const upsertSnapshot = db.prepare<[string, number, Uint8Array]>(
    'INSERT INTO snapshots (room, upto, data) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET upto = excluded.upto, data = excluded.data',
  )
  const insertCheckpoint = db.prepare<[string, number, Uint8Array]>(
    'INSERT INTO checkpoints (room, upto, data) VALUES (?, ?, ?) ON CONFLICT (room, upto) DO NOTHING',
  )
  const selectRooms = db.prepare<[], RoomRow>('SELECT name, length, title, updated_at FROM rooms ORDER BY name')
  const selectRoom = db.prepare<[string], RoomRow>('SELECT name, length, title, updated_at FROM rooms WHERE name = ?')

  const deleteStatements = ['rooms WHERE name', 'snapshots WHERE room', 'changes WHERE room', 'checkpoints WHERE room', 'versions WHERE room'].map(
    (table) => db.prepare<[string]>(`DELETE FROM ${table} = ?`),
  )
  /** Every row of the room but its activity events, in one transaction; true if there was any. */
  const deleteRoom = db.transaction((room: string): boolean => {
    let removed = 0
    for (const statement of deleteStatements) removed += statement.run(room).changes
    return removed > 0
  })

  const states = createRoomStates(db, options.log)
  const toStored = (row: RoomRow): StoredRoom => states.overlay({ name: row.name, length: row.length, title: row.title, updatedAt: row.updated_at })

  const readRoom = createRoomReader(db)
  // One read transaction, so a load never sees a compaction half done.
  const load = db.transaction((room: string) => readRoom(room).updates)

  /**
   * Compaction in three steps: read the snapshot and the changes after it in one read
   * transaction; merge them on the compactor's thread while appends go on; then, in one write
   * transaction, store the merged state as the snapshot after the last change read (and as a
   * checkpoint when one is due or asked for). Changes appended meanwhile stand after it.
   */
  const readForCompaction = db.transaction((room: string) => readRoom(room))
  /**
   * Keep `merged`, the state after change `upto`, as the snapshot (and as a checkpoint when one is
   * due or `asked`); `bytesSince` are the bytes of the changes after it. Inside a transaction.
   */
  const keepState = (room: string, upto: number, merged: Uint8Array, bytesSince: number, asked: boolean) => {
    const state = states.get(room)
    const checkpoint = asked || needsCheckpoint(state.historyBytes - bytesSince, state.checkpointBytes)
    upsertSnapshot.run(room, upto, merged)
    if (checkpoint) insertCheckpoint.run(room, upto, merged)
    state.snapshotUpto = upto
    state.snapshotBytes = merged.byteLength
    state.logBytes = bytesSince
    if (checkpoint) {
      state.checkpointUpto = upto
      state.historyBytes = bytesSince
      state.checkpointBytes = merged.byteLength
    }
  }
  const writeCompaction = db.transaction((room: string, read: RoomRead, merged: Uint8Array, asked: boolean) => {
    keepState(room, read.upto, merged, states.get(room).logBytes - read.bytes, asked)
  })
  /** A checkpoint asked for when the snapshot already holds every change: the snapshot is kept as one. */
  const keepSnapshot = db.transaction((room: string, read: RoomRead) => {
    const state = states.get(room)
    if (state.checkpointUpto >= read.snapshotUpto || read.updates.length === 0) return
    insertCheckpoint.run(room, read.snapshotUpto, read.updates[0]!)
    state.checkpointUpto = read.snapshotUpto
    state.historyBytes = state.logBytes
    state.checkpointBytes = read.updates[0]!.byteLength
  })
  const compactor = createCompactor()
  const checkpointsAsked = new Set<string>()
  const compactions = createCompactionRuns(async (room) => {
    if (!db.open) return
    const asked = checkpointsAsked.delete(room)
    const read = readForCompaction(room)
    if (read.upto === read.snapshotUpto) {
      if (asked) keepSnapshot.immediate(room, read)
      return
    }
    const merged = await compactor.compact(read.updates)
    if (!db.open || compactions.closing) return
    writeCompaction.immediate(room, read, merged, asked)
  }, options.log)

  const history = createSqliteHistory(db, {
    lengthOf: (room) => states.lengthOf(room),
    checkpoint(room) {
      checkpointsAsked.add(room)
      return compactions.compact(room)
    },
  })

  /** Insert a room's changes after its last one, each at `now` or later (times never go back within a room). */
  const insertRoomChanges = ({ room, changes }: RoomAppend, now: number): number => {
    const state = states.get(room)
    const at = Math.max(now, state.lastAt)
    let bytes = 0
    let next = 0
    const row = (index: number): Array<string | number | null | Uint8Array> => {
      const { update, author } = changes[index]!
      bytes += update.byteLength
      return [room, state.lastId + index + 1, at, author?.name ?? null, author?.color ?? null, update]
    }
    for (; next + INSERT_CHUNK <= changes.length; next += INSERT_CHUNK) {
      const params: Array<string | number | null | Uint8Array> = []
      for (let i = next; i < next + INSERT_CHUNK; i++) params.push(...row(i))
      insertChanges.run(...params)
    }
    for (; next < changes.length; next++) insertChange.run(...(row(next) as Parameters<typeof insertChange.run>))
    state.lastId += changes.length
    state.lastAt = at
    state.logBytes += bytes
    state.historyBytes += bytes
    return at
  }

  /**
   * A room past a threshold is compacted: with its own state at hand and a small snapshot, at once
   * in this transaction (the state stands after the changes just inserted); else on the
   * compactor's thread, after the commit.
   */
  const append = db.transaction((batch: readonly RoomAppend[]): string[] => {
    const now = Date.now()
    const toCompact: string[] = []
    for (const entry of batch) {
      const at = insertRoomChanges(entry, now)
      states.summarize(entry.room, { length: entry.length, title: entry.title, updatedAt: at }, now)
      const state = states.get(entry.room)
      if (state.lastId - state.snapshotUpto <= compactAfterCount && state.logBytes <= compactAfterBytes && !needsCheckpoint(state.historyBytes, state.checkpointBytes)) continue
      // The state is at most about the snapshot and the changes after it together.
      const small = state.snapshotBytes + state.logBytes <= STATE_ON_LOOP_BYTES
      if (entry.state && small && !compactions.running(entry.room)) keepState(entry.room, state.lastId, entry.state(), 0, false)
      else toCompact.push(entry.room)
    }
    return toCompact
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
      let toCompact: string[]
      try {
        toCompact = append(batch)
      } catch (error) {
        // What the rolled-back transaction counted in memory is wrong now: read it afresh.
        for (const { room } of batch) states.forget(room)
        throw error
      }
      compactions.schedule(toCompact)
    },
    async list() {
      return selectRooms.all().map(toStored)
    },
    async get(room) {
      const row = selectRoom.get(room)
      return row && toStored(row)
    },
    async delete(room) {
      // A compaction read before the deletion must not write its result after it.
      await compactions.settledFor(room)
      try {
        return deleteRoom.immediate(room)
      } finally {
        states.forget(room)
      }
    },
    async close() {
      if (!db.open) return
      await compactions.close()
      await compactor.close()
      if (!db.open) return
      try {
        states.flush()
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
