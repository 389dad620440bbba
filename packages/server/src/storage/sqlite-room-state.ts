/**
 * What the SQLite store keeps in memory of each room it has appended to, so a commit writes its
 * changes and nothing else: the room's last change id and time (the next change's follow them),
 * the bytes its log and its history have gathered (when to compact and checkpoint), and its
 * summary for lists.
 *
 * The summary (length, title, time of the last change) changes with every keystroke but is only
 * read by room lists, so its row is written at most once per SUMMARY_WRITE_MS per room (at once
 * for a new room or a new title), by the next commit or a timer, and at close. Until then lists
 * read it from here. A crash can leave a row that many milliseconds behind; the document itself is
 * never behind. Everything here is read back from the file on a room's first append, so it is
 * only ever a cache of what the file holds.
 */
import type Database from 'better-sqlite3'
import type { Logger } from '../log.js'
import type { StoredRoom } from './storage.js'

/** How long a room's summary row may lag behind its last change. */
export const SUMMARY_WRITE_MS = 5_000

export interface RoomState {
  /** Id of the room's last change (ids count 1, 2, 3… per room). */
  lastId: number
  /** Time of the room's last change: the next one's is never earlier. */
  lastAt: number
  /** The change the snapshot stands after. */
  snapshotUpto: number
  /** Size of the snapshot. */
  snapshotBytes: number
  /** Bytes of the changes after the snapshot: the log a load replays. */
  logBytes: number
  /** The change the last checkpoint stands after. */
  checkpointUpto: number
  /** Bytes of the changes after the last checkpoint. */
  historyBytes: number
  /** Size of the last checkpoint. */
  checkpointBytes: number
}

interface Summary {
  length: number
  title: string | null
  updatedAt: number
}

interface Tracked {
  state: RoomState
  /** The summary as its row holds it; undefined while the room has no row. */
  written: Summary | undefined
  writtenAt: number
  /** A summary newer than the row, not yet written. */
  unwritten: Summary | undefined
}

export interface RoomStates {
  /** The room's state, read from the file if not known yet; call inside a transaction. */
  get(room: string): RoomState
  /** The room's summary after a commit at `now`, written now (inside the commit's transaction) or later. */
  summarize(room: string, summary: Summary, now: number): void
  /** Forget what a failed transaction or a deletion may have made wrong: read afresh next time. */
  forget(room: string): void
  /** The summary lists should show: the unwritten one if there is one. */
  overlay(stored: StoredRoom): StoredRoom
  /** The room's text length as lists show it; undefined if unknown here. */
  lengthOf(room: string): number | undefined
  /** Write every unwritten summary now (close). */
  flush(): void
}

export function createRoomStates(db: Database.Database, log?: Logger): RoomStates {
  const selectLast = db.prepare<[string], { id: number; at: number }>('SELECT id, at FROM changes WHERE room = ? ORDER BY id DESC LIMIT 1')
  const selectSnapshot = db.prepare<[string], { upto: number; bytes: number }>('SELECT upto, length(data) AS bytes FROM snapshots WHERE room = ?')
  const selectCheckpoint = db.prepare<[string], { upto: number; bytes: number }>(
    'SELECT upto, length(data) AS bytes FROM checkpoints WHERE room = ? ORDER BY upto DESC LIMIT 1',
  )
  const selectBytesAfter = db.prepare<[string, number], { bytes: number }>('SELECT coalesce(sum(length(data)), 0) AS bytes FROM changes WHERE room = ? AND id > ?')
  const selectRow = db.prepare<[string], { length: number; title: string | null; updated_at: number }>('SELECT length, title, updated_at FROM rooms WHERE name = ?')
  const upsertRow = db.prepare<[string, number, string | null, number]>(
    `INSERT INTO rooms (name, length, title, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET length = excluded.length, title = excluded.title, updated_at = excluded.updated_at`,
  )

  const tracked = new Map<string, Tracked>()
  const unwritten = new Set<string>()
  let timer: NodeJS.Timeout | undefined

  const read = (room: string): Tracked => {
    const last = selectLast.get(room)
    const snapshot = selectSnapshot.get(room)
    const snapshotUpto = snapshot?.upto ?? 0
    const checkpoint = selectCheckpoint.get(room)
    const checkpointUpto = checkpoint?.upto ?? 0
    const row = selectRow.get(room)
    return {
      state: {
        lastId: last?.id ?? 0,
        lastAt: last?.at ?? 0,
        snapshotUpto,
        snapshotBytes: snapshot?.bytes ?? 0,
        logBytes: selectBytesAfter.get(room, snapshotUpto)!.bytes,
        checkpointUpto,
        historyBytes: selectBytesAfter.get(room, checkpointUpto)!.bytes,
        checkpointBytes: checkpoint?.bytes ?? 0,
      },
      written: row && { length: row.length, title: row.title, updatedAt: row.updated_at },
      writtenAt: 0,
      unwritten: undefined,
    }
  }

  const trackedOf = (room: string): Tracked => {
    let entry = tracked.get(room)
    if (!entry) tracked.set(room, (entry = read(room)))
    return entry
  }

  const write = (room: string, entry: Tracked, summary: Summary, now: number) => {
    upsertRow.run(room, summary.length, summary.title, summary.updatedAt)
    entry.written = summary
    entry.writtenAt = now
    entry.unwritten = undefined
    unwritten.delete(room)
  }

  const writeAll = db.transaction(() => {
    const now = Date.now()
    for (const room of [...unwritten]) {
      const entry = tracked.get(room)
      if (entry?.unwritten) write(room, entry, entry.unwritten, now)
      else unwritten.delete(room)
    }
  })

  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    if (unwritten.size === 0 || !db.open) return
    try {
      writeAll.immediate()
    } catch (error) {
      // Kept unwritten: tried again by the next commit or timer.
      log?.warn({ err: error }, 'writing room summaries failed')
      later()
    }
  }

  const later = () => {
    timer ??= setTimeout(flush, SUMMARY_WRITE_MS).unref()
  }

  return {
    get: (room) => trackedOf(room).state,
    summarize(room, summary, now) {
      const entry = trackedOf(room)
      if (!entry.written || entry.written.title !== summary.title || now - entry.writtenAt >= SUMMARY_WRITE_MS) {
        write(room, entry, summary, now)
        return
      }
      entry.unwritten = summary
      unwritten.add(room)
      later()
    },
    forget(room) {
      tracked.delete(room)
      unwritten.delete(room)
    },
    overlay(stored) {
      const summary = tracked.get(stored.name)?.unwritten
      return summary ? { name: stored.name, ...summary } : stored
    },
    lengthOf(room) {
      const entry = tracked.get(room)
      return (entry?.unwritten ?? entry?.written)?.length
    },
    flush,
  }
}
